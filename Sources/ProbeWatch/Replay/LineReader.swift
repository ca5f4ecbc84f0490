import Glibc

/// Reads a file's lines as bytes, in large chunks: memory stays at one chunk plus the longest line, not
/// the file (a 450 MB log was read whole, then copied into a String, then split).
struct LineReader {
    /// One line, without its newline. Valid only during the call it is handed to.
    struct Line {
        var bytes: UnsafeRawBufferPointer
        /// Counted from 1, as in the warnings.
        var number: Int
        /// The file's last line (with or without a newline after it): an invalid one is likely cut off.
        var isLast: Bool
        /// Longer than `maxLineBytes`: `bytes` is empty, the rest of the line was dropped unread.
        var isTooLong: Bool
    }

    let path: String
    /// probewatch's own lines are at most 16 KiB and udevadm's a few KiB; a longer line is not read into
    /// memory, so a hostile file cannot make replay hold it whole.
    var maxLineBytes = 16 << 20
    /// What one read() asks for, at first; the buffer grows for a longer line.
    var chunkBytes = 1 << 20

    init(path: String) {
        self.path = path
    }

    func forEachLine(_ body: (Line) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open \(path)") }
        defer { close(fd) }
        var buffer = LineBuffer(capacity: max(chunkBytes, 1), maxLineBytes: maxLineBytes)
        defer { buffer.deallocate() }
        var number = 0
        while true {
            let atEnd = try buffer.fill(from: fd, path: path)
            while let line = buffer.nextLine(atEnd: atEnd) {
                number += 1
                try body(Line(bytes: line.bytes, number: number, isLast: line.isLast, isTooLong: line.isTooLong))
            }
            if atEnd { return }
            buffer.makeRoom()
        }
    }
}

/// The bytes read and not yet handed out, at `start..<end` of one allocation.
private struct LineBuffer {
    private var storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// Where the search for the next newline resumes: the bytes before it have none.
    private var searched = 0
    /// A line over the limit is being dropped up to its newline.
    private var dropping = false
    private let maxLineBytes: Int

    init(capacity: Int, maxLineBytes: Int) {
        storage = .allocate(byteCount: capacity, alignment: 16)
        self.maxLineBytes = maxLineBytes
    }

    func deallocate() { storage.deallocate() }

    /// Reads once into the free space; true at the end of the file.
    mutating func fill(from fd: Int32, path: String) throws -> Bool {
        while true {
            let count = Glibc.read(fd, storage.baseAddress.map { $0 + end }, storage.count - end)
            if count > 0 {
                end += count
                return false
            }
            if count == 0 { return true }
            if errno != EINTR { throw SystemError("read \(path)") }
        }
    }

    /// The next complete line. A line ending in the last byte read is held back until more is read, unless
    /// at the end: only then is it known whether it is the file's last line.
    mutating func nextLine(atEnd: Bool) -> (bytes: UnsafeRawBufferPointer, isLast: Bool, isTooLong: Bool)? {
        guard let base = storage.baseAddress, searched < end else {
            return atEnd ? rest() : nil
        }
        guard let newline = memchr(base + searched, 0x0a, end - searched) else {
            searched = end
            return atEnd ? rest() : nil
        }
        let newlineIndex = base.distance(to: newline)
        searched = newlineIndex
        guard newlineIndex + 1 < end || atEnd else { return nil }
        return take(upTo: newlineIndex, skipping: 1, isLast: newlineIndex + 1 == end)
    }

    /// What is left at the end of the file: a last line without a newline, if any.
    private mutating func rest() -> (bytes: UnsafeRawBufferPointer, isLast: Bool, isTooLong: Bool)? {
        guard start < end || dropping else { return nil }
        return take(upTo: end, skipping: 0, isLast: true)
    }

    private mutating func take(upTo lineEnd: Int, skipping separator: Int, isLast: Bool)
        -> (bytes: UnsafeRawBufferPointer, isLast: Bool, isTooLong: Bool) {
        let bytes = UnsafeRawBufferPointer(rebasing: storage[start..<lineEnd])
        // Whole in one read or not: the same lines are too long whatever the chunks.
        let tooLong = dropping || lineEnd - start > maxLineBytes
        dropping = false
        start = lineEnd + separator
        searched = start
        return (tooLong ? UnsafeRawBufferPointer(rebasing: storage[0..<0]) : bytes, isLast, tooLong)
    }

    /// Moves the unfinished line to the front, growing the buffer for a long line, or dropping what has
    /// been read of it once it is over the limit.
    mutating func makeRoom() {
        // The line so far, without a newline held back at the end of the read (that one is the line's end).
        if dropping || searched - start > maxLineBytes {
            dropping = true
            start = searched  // the bytes before hold no newline; a held-back newline stays
        }
        let pending = end - start
        if start > 0 {
            if pending > 0, let base = storage.baseAddress { memmove(base, base + start, pending) }
            (start, end, searched) = (0, pending, searched - start)
        }
        if end == storage.count { grow() }
    }

    private mutating func grow() {
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: storage.count * 2, alignment: 16)
        larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[0..<end]))
        storage.deallocate()
        storage = larger
    }
}

extension LineReader.Line {
    /// Only whitespace, as `Character.isWhitespace` has it (the replay's readers skip such lines). ASCII is
    /// decided from the bytes; a line with other bytes is rare enough to be asked as a String.
    var isBlank: Bool {
        for byte in bytes {
            switch byte {
            case 0x20, 0x09, 0x0b, 0x0c, 0x0d: continue
            case ..<0x80: return false
            default: return String(decoding: bytes, as: UTF8.self).allSatisfy(\.isWhitespace)
            }
        }
        return true
    }
}
