import Glibc
import ProbeWatchCore

/// Turns the C strings libudev hands out into UTF-8 without losing bytes: valid UTF-8 passes through,
/// anything else is `\xNN`-escaped (with `\` itself escaped) and flagged, as udev does for labels.
enum UEventDecoding {
    static var noBytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: nil, count: 0) }

    /// A C string's bytes, without its NUL; valid as long as libudev's device is.
    static func bytes(_ pointer: UnsafePointer<CChar>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
    }

    static func decode(_ pointer: UnsafePointer<CChar>) -> (String, escaped: Bool) {
        decode(bytes(pointer))
    }

    static func decode(_ bytes: some Collection<UInt8>) -> (String, escaped: Bool) {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, false) }
        return (escape(bytes), true)
    }

    /// Escapes every byte that is not part of a valid UTF-8 sequence, and every backslash.
    static func escape(_ bytes: some Collection<UInt8>) -> String {
        let all = Array(bytes)
        var output = ""
        var index = 0
        while index < all.count {
            let width = validSequenceWidth(all, at: index)
            if width == 0 || all[index] == 0x5c {
                output += hex(all[index])
                index += 1
            } else {
                output += String(decoding: all[index..<index + width], as: UTF8.self)
                index += width
            }
        }
        return output
    }

    private static func validSequenceWidth(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let width: Int
        switch lead {
        case 0x00...0x7f: return 1
        case 0xc2...0xdf: width = 2
        case 0xe0...0xef: width = 3
        case 0xf0...0xf4: width = 4
        default: return 0
        }
        guard index + width <= bytes.count else { return 0 }
        return String(validating: bytes[index..<index + width], as: UTF8.self) == nil ? 0 : width
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return "\\x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xf)])
    }
}
