// Status: how the core reports bad input. The core never throws and never aborts on bad input;
// the bindings turn a non-OK status into a JS Error carrying `message`.
#pragma once

#include <memory>
#include <string>
#include <utility>

namespace cossim {

// The OK path is on every call: keep it inline even where the core is compiled for size (-Oz).
#define COSSIM_ALWAYS_INLINE inline __attribute__((always_inline))

// The codes cross into JS (the bindings export them) and pick the JS error class there.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument = 1,  // reduction keys, options (Keras's ValueError): JS Error
  kOutOfMemory = 2,      // a buffer could not be allocated (nothing aborts): JS RangeError
  kShape = 3,            // shapes, axes, ranks, weights that do not fit: JS RangeError
  kTooLarge = 4,         // a size beyond what the memory can hold, refused before allocating:
                         // JS RangeError (the message names the shape and the bytes)
  kType = 5,             // a dtype or kind the entry point does not take: JS TypeError
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
  static Status Shape(std::string message) {
    return Status(StatusCode::kShape, std::move(message));
  }
  static Status TooLarge(std::string message) {
    return Status(StatusCode::kTooLarge, std::move(message));
  }
  static Status Type(std::string message) { return Status(StatusCode::kType, std::move(message)); }

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
