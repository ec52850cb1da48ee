// Result<T>: a value or an Error. Host errors are values, never silent defaults.
#pragma once
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace forkscope {

// What went wrong, in the terms the CLI turns into an exit status.
enum class ErrorKind {
    Usage,         // bad flag or argument: exit 2
    BadImage,      // missing, unreadable or malformed file: exit 3
    MachineFault,  // triple fault, guest hang, limit exceeded: exit 4
    Host,          // the host refused something (memory, Unicorn): exit 4
    NotReached,    // the guest ended before a stop point (--at): exit 5
};

struct Error {
    ErrorKind kind;
    std::string message;
};

inline Error make_error(ErrorKind kind, std::string message) { return Error{kind, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(v_); }
    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { assert(!ok()); return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : err_(std::move(error)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { assert(!ok_); return err_; }

private:
    Error err_{};
    bool ok_ = true;
};

}  // namespace forkscope
