// Status: how the core reports bad input. The core never throws and never aborts on bad input;
// the bindings turn a non-OK status into a JS Error carrying `message`.
#pragma once

#include <string>
#include <utility>

namespace cossim {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument =
      1,             // shapes, axes, reduction keys, weights (Keras's InvalidArgument/ValueError)
  kOutOfMemory = 2,  // a buffer could not be allocated (the request is reported, nothing aborts)
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status Invalid(std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message));
  }
  static Status OutOfMemory(std::string message) {
    return Status(StatusCode::kOutOfMemory, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

#define COSSIM_RETURN_IF_ERROR(expr)   \
  do {                                 \
    ::cossim::Status status_ = (expr); \
    if (!status_.ok()) return status_; \
  } while (0)

}  // namespace cossim
