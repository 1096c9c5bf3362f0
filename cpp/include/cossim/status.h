// Status: how the core reports bad input. The core never throws and never aborts on bad input;
// the bindings turn a non-OK status into a JS Error carrying `message`.
#pragma once

#include <memory>
#include <string>
#include <utility>

namespace cossim {

// The OK path is on every call: keep it inline even where the core is compiled for size (-Oz).
#define COSSIM_ALWAYS_INLINE inline __attribute__((always_inline))

enum class StatusCode {
  kOk = 0,
  kInvalidArgument =
      1,             // shapes, axes, reduction keys, weights (Keras's InvalidArgument/ValueError)
  kOutOfMemory = 2,  // a buffer could not be allocated (the request is reported, nothing aborts)
};

// An OK status is a single int: the message lives on the heap only for errors, so the status
// checks on every call's hot path cost nothing (constructing and destroying empty std::strings
// was ~20% of a small call).
class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::make_unique<std::string>(std::move(message))) {}
  Status(const Status& other)
      : code_(other.code_),
        message_(other.message_ ? std::make_unique<std::string>(*other.message_) : nullptr) {}
  Status(Status&&) noexcept = default;
  ~Status() = default;
  Status& operator=(const Status& other) {
    if (this != &other) *this = Status(other);
    return *this;
  }
  Status& operator=(Status&&) noexcept = default;

  COSSIM_ALWAYS_INLINE static Status Ok() { return Status(); }
  static Status Invalid(std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message));
  }
  static Status OutOfMemory(std::string message) {
    return Status(StatusCode::kOutOfMemory, std::move(message));
  }

  COSSIM_ALWAYS_INLINE bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const {
    static const std::string kEmpty;
    return message_ ? *message_ : kEmpty;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::unique_ptr<std::string> message_;
};

#define COSSIM_RETURN_IF_ERROR(expr)   \
  do {                                 \
    ::cossim::Status status_ = (expr); \
    if (!status_.ok()) return status_; \
  } while (0)

}  // namespace cossim
