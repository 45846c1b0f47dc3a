#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes every byte of `bytes` to `descriptor` with write(2).
///
/// write(2) may write only part of the buffer (pipes, signals) or fail with `EINTR`; both
/// are retried until everything is out. A non-blocking descriptor that is full (`EAGAIN`)
/// is waited on with poll(2). Returns 0 when every byte was written, otherwise the `errno`
/// of the failing call (for example `EPIPE` when the reader went away and `SIGPIPE` is
/// ignored, or `ENOSPC`).
@discardableResult
public func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32 {
    guard var next = bytes.baseAddress else { return 0 }
    var remaining = bytes.count
    while remaining > 0 {
        let written = write(descriptor, next, remaining)
        if written > 0 {
            next += written
            remaining -= written
            continue
        }
        if written == 0 { return EIO } // write(2) made no progress and gave no reason
        switch errno {
        case EINTR:
            continue
        case EAGAIN, EWOULDBLOCK:
            var request = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            if poll(&request, 1, -1) < 0, errno != EINTR { return errno }
        default:
            return errno
        }
    }
    return 0
}

/// Writes the UTF-8 bytes of `text` to `descriptor`; see the buffer overload.
@discardableResult
public func writeAll(_ text: String, to descriptor: Int32) -> Int32 {
    var text = text
    return text.withUTF8 { writeAll(UnsafeRawBufferPointer($0), to: descriptor) }
}
