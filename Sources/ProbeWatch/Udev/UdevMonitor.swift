import CUdev
import Glibc
import Logging
import ProbeWatchCore

/// A libudev netlink monitor: one non-blocking socket, read when poll() says so.
public final class UdevMonitor {
    /// `kernel`, group 1: uevents as the kernel sent them; `udev`, group 2: events after udevd processed
    /// them (needs udevd in this network namespace).
    public typealias Source = Settings.Source

    public enum Received {
        case event(UEvent)
        /// ENOBUFS: the kernel dropped uevents because the socket buffer was full.
        case overflow
        /// EINVAL: a message libudev could not parse; it is gone, the next one is unaffected.
        case malformed
        /// EAGAIN: nothing (more) to read now, or a message libudev ignored (unicast, untrusted sender).
        case nothing
    }

    public let source: Source
    public let fileDescriptor: Int32
    /// What the kernel granted, which can be less than asked for without CAP_NET_ADMIN.
    public let receiveBufferBytes: Int
    private let udev: OpaquePointer
    private let monitor: OpaquePointer
    /// The decoder's per-event scratch space, allocated once.
    private let found = UnsafeMutableBufferPointer<UdevDevice.Found>.allocate(capacity: UdevDevice.keptProperties)

    public init(source: Source, requestedBufferBytes: Int, logger: Logger) throws {
        guard let udev = udev_new() else { throw SystemError("udev_new") }
        guard let monitor = udev_monitor_new_from_netlink(udev, source.rawValue) else {
            udev_unref(udev)
            throw SystemError("udev_monitor_new_from_netlink(\(source.rawValue))")
        }
        self.udev = udev
        self.monitor = monitor
        self.source = source
        // udevd asks for 128 MiB the same way; without CAP_NET_ADMIN the kernel caps it at rmem_max.
        let result = udev_monitor_set_receive_buffer_size(monitor, Int32(clamping: requestedBufferBytes))
        if result < 0 {
            logger.notice("could not force the receive buffer size",
                          metadata: ["error": "\(String(cString: strerror(-result)))"])
        }
        guard udev_monitor_enable_receiving(monitor) >= 0 else {
            udev_monitor_unref(monitor)
            udev_unref(udev)
            throw SystemError("udev_monitor_enable_receiving")
        }
        fileDescriptor = udev_monitor_get_fd(monitor)
        receiveBufferBytes = Self.grantedBufferBytes(fileDescriptor)
        if receiveBufferBytes < requestedBufferBytes {
            logger.warning(
                "kernel capped the uevent receive buffer; bursts may overflow (needs CAP_NET_ADMIN, or raise net.core.rmem_max)",
                metadata: ["requested": "\(requestedBufferBytes)", "granted": "\(receiveBufferBytes)"])
        }
    }

    deinit {
        found.deallocate()
        udev_monitor_unref(monitor)
        udev_unref(udev)
    }

    public func receive(at time: EventTime) -> Received {
        guard let device = udev_monitor_receive_device(monitor) else {
            switch errno {
            case ENOBUFS: return .overflow
            case EINVAL: return .malformed
            default: return .nothing
            }
        }
        defer { udev_device_unref(device) }
        guard let event = UdevDevice.uevent(from: device, source: source == .kernel ? .kernel : .udev,
                                            received: time, kept: found)
        else { return .malformed }
        return .event(event)
    }

    /// SO_RCVBUF reports twice the usable size (the kernel doubles for bookkeeping).
    private static func grantedBufferBytes(_ fd: Int32) -> Int {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &length) == 0 else { return 0 }
        return Int(value) / 2
    }
}
