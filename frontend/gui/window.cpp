#include "frontend/gui/window.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_opengl.h>
#include <backends/imgui_impl_opengl3.h>
#include <backends/imgui_impl_sdl.h>
#include <imgui.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "frontend/gui/memory_panels.h"
#include "frontend/gui/panels.h"
#include "frontend/gui/png_writer.h"
#include "frontend/gui/timeline.h"
#include "frontend/gui/ui_state.h"
#include "frontend/gui/window_script.h"

namespace forkscope::gui {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kViewInterval = std::chrono::milliseconds(200);   // fresh views while running: 5 a second
constexpr auto kFrameInterval = std::chrono::milliseconds(25);   // 40 frames a second
constexpr int kSettleFrames = 3;  // frames drawn at the stop before the screenshot: ImGui lays out

Error host(const std::string& m) { return make_error(ErrorKind::Host, m); }

// SDL, a GL context and ImGui, torn down in reverse order.
class Screen {
public:
    ~Screen() {
        if (imgui_gl) ImGui_ImplOpenGL3_Shutdown();
        if (imgui_sdl) ImGui_ImplSDL2_Shutdown();
        if (ImGui::GetCurrentContext()) ImGui::DestroyContext();
        if (context) SDL_GL_DeleteContext(context);
        if (window) SDL_DestroyWindow(window);
        if (sdl) SDL_Quit();
    }

    Result<void> open(const WindowOptions& o) {
        // Drawing yields to the guest: this thread, and the software renderer's threads
        // that the GL context starts (they inherit it), run at a lower priority than the
        // emulator thread. On a machine with few cores the guest keeps its speed and the
        // window a frame now and then. A hint only: refused, everything still works.
        (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
        const bool display = std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY");
        if (!display && !std::getenv("SDL_VIDEODRIVER")) {
            if (o.screenshot.empty() && o.script.empty())
                return host("no display (DISPLAY is not set): forkscope gui needs one, or --screenshot FILE to render "
                            "off screen");
            SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
        }
        if (SDL_Init(SDL_INIT_VIDEO) != 0) return host(std::string("cannot open the display: SDL: ") + SDL_GetError());
        sdl = true;
        SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
        SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
        SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
        const bool shown = o.screenshot.empty() && o.script.empty();
        const Uint32 flags = SDL_WINDOW_OPENGL | (shown ? SDL_WINDOW_RESIZABLE : SDL_WINDOW_HIDDEN);
        window = SDL_CreateWindow("forkscope", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, o.width, o.height, flags);
        if (!window) return host(std::string("cannot open a window: SDL: ") + SDL_GetError());
        context = SDL_GL_CreateContext(window);
        if (!context) return host(std::string("cannot make an OpenGL 3.0 context: SDL: ") + SDL_GetError());
        SDL_GL_MakeCurrent(window, context);
        SDL_GL_SetSwapInterval(0);  // frames are paced by the loop, not by vsync
        IMGUI_CHECKVERSION();
        ImGui::CreateContext();
        ImGui::GetIO().IniFilename = nullptr;  // the layout is fixed; nothing to remember
        ImGui::StyleColorsDark();
        imgui_sdl = ImGui_ImplSDL2_InitForOpenGL(window, context);
        imgui_gl = imgui_sdl && ImGui_ImplOpenGL3_Init("#version 130");
        if (!imgui_gl) return host("Dear ImGui could not use this OpenGL context");
        return {};
    }

    SDL_Window* window = nullptr;
    SDL_GLContext context = nullptr;
    bool sdl = false, imgui_sdl = false, imgui_gl = false;
};

// The shortcuts of common debuggers, when no text field has the keyboard.
void shortcut(const SDL_KeyboardEvent& k, const LiveView& v, PanelActions& out) {
    const bool shift = k.keysym.mod & KMOD_SHIFT;
    switch (k.keysym.sym) {
        case SDLK_F5: out.commands.push_back({v.running ? LiveAction::Pause : LiveAction::Continue, ""}); break;
        case SDLK_F10: out.commands.push_back({LiveAction::Next, ""}); break;
        case SDLK_F11: out.commands.push_back({shift ? LiveAction::Finish : LiveAction::Step, ""}); break;
        case SDLK_F9:
            if (v.line) out.commands.push_back({LiveAction::Break, v.line->file + ":" + std::to_string(v.line->line)});
            break;
        default: break;
    }
}

// The window as drawn (the back buffer, before any swap) as a PNG.
Result<void> write_picture(const std::string& path, int w, int h) {
    std::vector<uint8_t> pixels(static_cast<size_t>(w) * static_cast<size_t>(h) * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    // GL's rows go bottom up; a PNG's top down.
    std::vector<uint8_t> flipped(pixels.size());
    const size_t row = static_cast<size_t>(w) * 4;
    for (int y = 0; y < h; ++y)
        std::copy_n(pixels.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(h - 1 - y) * row), row,
                    flipped.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(y) * row));
    for (size_t i = 3; i < flipped.size(); i += 4) flipped[i] = 255;  // the window is opaque
    return write_png(path, flipped, w, h);
}

Result<void> write_ui_state(const std::string& path, const LiveView& view, const UiState& ui, int w, int h) {
    std::ofstream f(path);
    f << ui_state_json(view, ui, w, h).dump(2) << "\n";
    if (!f) return host("cannot write '" + path + "'");
    return {};
}

Result<void> write_outputs(const std::string& picture, const std::string& state, const LiveView& view,
                           const UiState& ui, int w, int h) {
    if (!picture.empty())
        if (auto r = write_picture(picture, w, h); !r) return r;
    if (!state.empty()) return write_ui_state(state, view, ui, w, h);
    return {};
}

// A script's progress: the line to run next, and whether the last one waits for the
// guest's next stop (a view newer than wait_serial, taken at a stop).
struct ScriptRun {
    size_t next = 0;
    bool waiting = true;       // at the start: for the first view
    uint64_t wait_serial = 0;
    int settled = 0;           // frames drawn since the last effect
};

// Frames drawn and their time, for --stats.
struct FrameStats {
    uint64_t frames = 0, views = 0, last_serial = 0;
    Clock::duration total{}, worst{};
    Clock::time_point start = Clock::now();

    void frame(Clock::duration spent, uint64_t serial) {
        ++frames;
        total += spent;
        worst = std::max(worst, spent);
        if (serial != last_serial) ++views;
        last_serial = serial;
    }
    void print(uint64_t instructions) const {
        using ms = std::chrono::duration<double, std::milli>;
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        std::fprintf(stderr,
                     "gui: %llu frames in %.2f s (%.1f per second), frame time mean %.2f ms, worst %.2f ms; "
                     "%llu views; guest instructions %llu\n",
                     static_cast<unsigned long long>(frames), seconds, static_cast<double>(frames) / seconds,
                     frames ? ms(total).count() / static_cast<double>(frames) : 0.0, ms(worst).count(),
                     static_cast<unsigned long long>(views), static_cast<unsigned long long>(instructions));
    }
};

}  // namespace

Result<void> run_window(LiveMachine& live, ConsoleBuffer& console, const WindowOptions& o) {
    Screen screen;
    if (auto r = screen.open(o); !r) return r;
    FrameStats stats;
    struct PrintAtEnd {  // on every way out of the loop
        const WindowOptions& o;
        const FrameStats& stats;
        LiveMachine& live;
        ~PrintAtEnd() {
            if (o.stats) stats.print(live.latest()->instructions);
        }
    } print_at_end{o, stats, live};
    const bool scripted = !o.script.empty();
    if (o.start_running && !scripted) live.post({LiveAction::Continue, ""});
    UiState ui;
    ui.animate = o.screenshot.empty() && !scripted;
    Clock::time_point last_request{};
    int settled = 0;
    ScriptRun script;
    for (bool open = true; open;) {
        const auto frame_start = Clock::now();
        auto view = live.latest();
        PanelActions actions;
        for (SDL_Event e; SDL_PollEvent(&e);) {
            ImGui_ImplSDL2_ProcessEvent(&e);
            if (e.type == SDL_QUIT) open = false;
            if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE) open = false;
            if (e.type == SDL_KEYDOWN && !ImGui::GetIO().WantCaptureKeyboard) shortcut(e.key, *view, actions);
        }
        if (view->running) live.pace();  // a set speed holds the guest back
        if (view->running && frame_start - last_request >= kViewInterval) {
            live.want_view();
            last_request = frame_start;
        }
        if (auto m = live.take_message()) {
            if (scripted && script.next > 0)  // a script's command failed: the script ends there
                return make_error(ErrorKind::Usage,
                                  "script line " + std::to_string(o.script[script.next - 1].number) + ": " + *m);
            ui.message = *m;
        }
        int w = 0, h = 0;
        SDL_GL_GetDrawableSize(screen.window, &w, &h);
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplSDL2_NewFrame();
        ImGui::NewFrame();
        draw_panels(*view, console.text().first, ui, actions, w, h);
        ImGui::Render();
        glViewport(0, 0, w, h);
        // The panels tile the window and draw no background of their own: a clear is
        // nearly free to a software renderer, a textured fill over the whole window
        // costs it as much as everything else in the frame.
        const ImVec4 bg = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg);
        glClearColor(bg.x, bg.y, bg.z, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        glFinish();  // the frame's time includes the GPU's (llvmpipe's) part
        stats.frame(Clock::now() - frame_start, view->serial);
        if (actions.speed) live.set_speed(*actions.speed);
        for (const LiveCommand& c : actions.commands) {
            if (c.action != LiveAction::Break) ui.message.clear();
            live.post(c);
        }
        if (!actions.typed.empty() && o.input_fd >= 0)
            (void)!::write(o.input_fd, actions.typed.data(), actions.typed.size());
        if (scripted) {
            // One line at a time, each once the last one's effect has been drawn.
            if (script.waiting) {
                if (!view->running && view->serial > script.wait_serial) {
                    script.waiting = false;
                    script.settled = 0;
                }
            } else if (script.settled < kSettleFrames) {
                ++script.settled;
            } else if (script.next < o.script.size()) {
                ScriptStep step = script_step(o.script[script.next++]);
                if (auto r = write_outputs(step.screenshot, step.ui_state, *view, ui, w, h); !r) return r;
                if (step.select) ui.selected_pid = *step.select;
                if (step.speed) live.set_speed(*step.speed);
                if (step.explain_write) ui.explain_write = *step.explain_write;
                if (view->snapshot && step.address) select_address(ui, *view->snapshot, *step.address);
                if (view->snapshot && step.frame) select_frame(ui, *view->snapshot, *step.frame);
                if (!step.goto_event.empty()) {
                    const GuestEvent* e = find_event(view->events, step.goto_event);
                    if (!e)
                        return make_error(ErrorKind::Usage, "script line " + std::to_string(o.script[script.next - 1].number) +
                                                                ": no event " + step.goto_event + " in the timeline");
                    step.command = LiveCommand{LiveAction::Goto, "", e->at};
                }
                if (step.command) {
                    live.post(*step.command);
                    script.waiting = true;
                    script.wait_serial = view->serial;
                }
                script.settled = 0;
            } else {
                return write_outputs(o.screenshot, o.ui_state, *view, ui, w, h);
            }
        } else if (!o.screenshot.empty()) {
            // The first stop after the start (serial 1 is the view before it).
            if (!view->running && view->serial >= 2 && ++settled >= kSettleFrames)
                return write_outputs(o.screenshot, o.ui_state, *view, ui, w, h);
        } else {
            SDL_GL_SwapWindow(screen.window);
        }
        const auto spent = Clock::now() - frame_start;
        if (spent < kFrameInterval)
            SDL_Delay(static_cast<Uint32>(std::chrono::duration_cast<std::chrono::milliseconds>(kFrameInterval - spent).count()));
    }
    return {};
}

}  // namespace forkscope::gui
