#include "frontend/gui/png_writer.h"

#include <png.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace forkscope::gui {

Result<void> write_png(const std::string& path, std::span<const uint8_t> rgba, int width, int height) {
    if (width <= 0 || height <= 0 || rgba.size() != static_cast<size_t>(width) * static_cast<size_t>(height) * 4)
        return make_error(ErrorKind::Host, "write_png: " + std::to_string(rgba.size()) + " bytes are not " +
                                               std::to_string(width) + "x" + std::to_string(height) + " RGBA pixels");
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return make_error(ErrorKind::Host, "cannot write '" + path + "': " + std::strerror(errno));
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info || setjmp(png_jmpbuf(png))) {  // libpng reports its errors by longjmp
        png_destroy_write_struct(&png, &info);
        std::fclose(f);
        return make_error(ErrorKind::Host, "libpng could not write '" + path + "'");
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, PNG_COLOR_TYPE_RGBA,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    std::vector<png_bytep> rows(static_cast<size_t>(height));
    for (int y = 0; y < height; ++y)
        rows[static_cast<size_t>(y)] = const_cast<png_bytep>(rgba.data() + static_cast<size_t>(y) * static_cast<size_t>(width) * 4);
    png_write_image(png, rows.data());
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    if (std::fclose(f) != 0) return make_error(ErrorKind::Host, "cannot write '" + path + "': " + std::strerror(errno));
    return {};
}

}  // namespace forkscope::gui
