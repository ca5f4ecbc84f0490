#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Finds where a run of plain ASCII string bytes ends: at the first quote, backslash, control byte or
/// byte above 0x7f. Sixteen bytes per step with SSE2 (every x86-64 has it): a replayed line is some twenty
/// short strings, and the eight-byte word test cost a hundred instructions for each. Other architectures
/// take no shortcut, and the caller's general scan does all the work.
enum PlainASCIIScan {
    /// The offset of the first byte from `start` on that is not plain ASCII, or `bytes.count`. Reads only
    /// inside `bytes`: the last step overlaps the one before instead of reading past the end, so a buffer
    /// shorter than sixteen bytes (or another architecture) gets `start` back, the run not looked at.
    @inline(__always)
    static func end(of bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        #if arch(x86_64)
        guard let base = bytes.baseAddress, bytes.count >= 16 else { return start }
        var index = start
        while bytes.count - index >= 16 {
            let mask = notPlainMask(base + index)
            if mask != 0 { return index + mask.trailingZeroBitCount }
            index += 16
        }
        guard index < bytes.count else { return index }
        // The last few bytes: the final sixteen, less those already looked at.
        let mask = notPlainMask(base + bytes.count - 16) >> UInt32(16 - (bytes.count - index))
        return mask != 0 ? index + mask.trailingZeroBitCount : bytes.count
        #else
        return start
        #endif
    }

    #if arch(x86_64)
    /// One bit per byte of the sixteen at `address` that is `"`, `\`, or below 0x20 or above 0x7f: as
    /// signed bytes, the last two are the ones below 0x20.
    @inline(__always)
    private static func notPlainMask(_ address: UnsafeRawPointer) -> UInt32 {
        let bytes = address.loadUnaligned(as: __m128i.self)
        let quote = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(0x22))
        let backslash = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(0x5c))
        let controlOrHigh = _mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20))
        return UInt32(bitPattern: _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), controlOrHigh)))
    }
    #endif
}
