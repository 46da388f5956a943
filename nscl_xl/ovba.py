"""MS-OVBA §2.4.1 compression ("RLE" of VBA project streams), written from the specification.

ms-ovba-compression up to 1.0.1 corrupts modules longer than about 600 bytes (its copy
tokens go wrong once the chunk position needs more offset bits), so the VBA project builder
uses this implementation instead. Any valid compressed stream is accepted by Office; the
tests prove this one with oletools' independent decompressor.
"""

from __future__ import annotations

CHUNK = 4096


def _copy_token_help(position: int) -> tuple[int, int]:
    """(length bits, maximum length) for a copy token at *position* in the chunk (§2.4.1.3.19.1)."""
    bit_count = max((position - 1).bit_length(), 4)
    length_bits = 16 - bit_count
    return length_bits, (0xFFFF >> bit_count) + 3


def _compress_chunk(data: bytes) -> bytes:
    out = bytearray()
    heads: dict[bytes, list[int]] = {}  # 3-byte prefix -> positions seen (candidates for a match)
    pos, n = 0, len(data)
    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len, best_off = 0, 0
            if pos >= 1 and pos + 3 <= n:
                length_bits, max_len = _copy_token_help(pos)
                limit = min(max_len, n - pos)
                for cand in reversed(heads.get(bytes(data[pos:pos + 3]), [])[-64:]):
                    length = 3
                    while length < limit and data[cand + length] == data[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - cand
                        if length == limit:
                            break
            if best_len >= 3:
                token = ((best_off - 1) << length_bits) | (best_len - 3)
                out += token.to_bytes(2, "little")
                flags |= 1 << bit
                step = best_len
            else:
                out.append(data[pos])
                step = 1
            for p in range(pos, min(pos + step, n - 2)):
                heads.setdefault(bytes(data[p:p + 3]), []).append(p)
            pos += step
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer for *data* (signature byte 0x01, then 4096-byte chunks)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        chunk = data[start:start + CHUNK]
        body = _compress_chunk(chunk)
        if len(body) > CHUNK - 2 and len(chunk) == CHUNK:
            out += (0x3000 | (CHUNK + 2 - 3)).to_bytes(2, "little")  # raw chunk, flag 0
            out += chunk
            continue
        if len(body) + 2 - 3 > 0xFFF:
            raise ValueError("a final chunk that does not compress cannot be stored (MS-OVBA needs 4096 raw bytes)")
        out += (0xB000 | (len(body) + 2 - 3)).to_bytes(2, "little")  # signature 0b011, flag 1
        out += body
    return bytes(out)
