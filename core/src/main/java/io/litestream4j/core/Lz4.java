package io.litestream4j.core;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.lz4.LZ4FrameOutputStream.BLOCKSIZE;
import net.jpountz.lz4.LZ4FrameOutputStream.FLG;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.StreamingXXHash32;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The one place that frames replica objects: one LZ4 frame per object, independent blocks and a content
 * checksum, as Litestream writes them. Block checksums must never be set: Litestream's LZ4 reader
 * computes them differently from the frame spec and rejects spec-compliant ones. Blocks are 1 MB rather
 * than Litestream's 4 MB (its reader accepts any size): a frame writer then allocates ~2 MB instead of
 * ~8 MB per upload, and WAL segments compress as well (measured: 11.7 % vs 11.4 % of a steady-load WAL;
 * 64 KB blocks gave 17.6 %). Compression uses the fastest implementation (the bundled native library
 * where it loads: ~50× faster than the pure-Java one the frame stream picks by default). Decompression
 * uses the bounds-checked ("safe") decompressor, as it reads whatever the bucket holds.
 */
public final class Lz4 {

	private static final LZ4Compressor COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();

	private static final XXHash32 CHECKSUM = XXHashFactory.fastestInstance().hash32();

	private Lz4() {
	}

	public static OutputStream compressing(OutputStream out) throws IOException {
		return new LZ4FrameOutputStream(out, BLOCKSIZE.SIZE_1MB, -1L, COMPRESSOR, CHECKSUM, FLG.Bits.BLOCK_INDEPENDENCE,
				FLG.Bits.CONTENT_CHECKSUM);
	}

	public static InputStream decompressing(InputStream in) throws IOException {
		return new LZ4FrameInputStream(in);
	}

	private static final int MAGIC = 0x184D2204;

	private static final int SKIPPABLE_MAGIC = 0x184D2A50;

	/**
	 * Buffers and hashes for {@link #decompress}, reused from object to object by one thread: a frame
	 * reader allocates two blocks (2 MB, or 8 MB for Litestream's 4 MB blocks) per object, which for
	 * hundreds of small WAL segments costs more than decompressing them.
	 */
	static final class Buffers {

		private final LZ4SafeDecompressor decompressor = LZ4Factory.fastestInstance().safeDecompressor();

		private final XXHash32 hash = XXHashFactory.fastestInstance().hash32();

		private final StreamingXXHash32 content = XXHashFactory.fastestInstance().newStreamingHash32(0);

		private byte[] compressed = new byte[0];

		private byte[] plain = new byte[0];

		private void ensure(int blockSize) {
			if (compressed.length < blockSize) {
				compressed = new byte[blockSize];
				plain = new byte[blockSize];
			}
		}

	}

	/**
	 * Decompresses LZ4 frames from {@code in} to {@code out} as {@link #decompressing} reads them (header,
	 * block and content checksums verified; concatenated and skippable frames allowed; every block
	 * decompressed on its own), with the caller's buffers. Returns the decompressed length.
	 */
	static long decompress(InputStream in, OutputStream out, Buffers buffers) throws IOException {
		long total = 0;
		boolean first = true;
		while (true) {
			byte[] word = new byte[4];
			int n = in.readNBytes(word, 0, 4);
			if (n == 0 && !first) {
				return total;
			}
			if (n < 4) {
				throw new EOFException("lz4: stream ends inside the frame magic");
			}
			first = false;
			int magic = le(word, 0);
			if ((magic & 0xFFFFFFF0) == SKIPPABLE_MAGIC) {
				long skip = Integer.toUnsignedLong(readInt(in));
				in.skipNBytes(skip);
				continue;
			}
			if (magic != MAGIC) {
				throw new IOException("lz4: not a frame (magic " + Integer.toHexString(magic) + ")");
			}
			total += frame(in, out, buffers);
		}
	}

	private static long frame(InputStream in, OutputStream out, Buffers buffers) throws IOException {
		byte[] descriptor = new byte[14];
		readFully(in, descriptor, 0, 2);
		int flg = descriptor[0] & 0xff;
		int bd = descriptor[1] & 0xff;
		if ((flg >>> 6) != 1 || (flg & 0x02) != 0 || (bd & 0x8F) != 0 || ((bd >>> 4) & 7) < 4) {
			throw new IOException("lz4: unsupported frame descriptor " + Integer.toHexString(flg) + " "
					+ Integer.toHexString(bd));
		}
		boolean blockChecksum = (flg & 0x10) != 0;
		boolean hasContentSize = (flg & 0x08) != 0;
		boolean contentChecksum = (flg & 0x04) != 0;
		int length = 2 + (hasContentSize ? 8 : 0) + ((flg & 0x01) != 0 ? 4 : 0);
		readFully(in, descriptor, 2, length - 2);
		int headerChecksum = in.read();
		if (headerChecksum < 0) {
			throw new EOFException("lz4: stream ends inside the frame descriptor");
		}
		if (((buffers.hash.hash(descriptor, 0, length, 0) >>> 8) & 0xff) != headerChecksum) {
			throw new IOException("lz4: frame descriptor checksum mismatch");
		}
		int maxBlock = 1 << (8 + 2 * ((bd >>> 4) & 7));
		buffers.ensure(maxBlock);
		buffers.content.reset();
		long total = 0;
		while (true) {
			int size = readInt(in);
			if (size == 0) {
				break;
			}
			boolean stored = (size & 0x80000000) != 0;
			size &= 0x7FFFFFFF;
			if (size > maxBlock) {
				throw new IOException("lz4: block of " + size + " bytes exceeds the frame's " + maxBlock);
			}
			readFully(in, buffers.compressed, 0, size);
			if (blockChecksum && readInt(in) != buffers.hash.hash(buffers.compressed, 0, size, 0)) {
				throw new IOException("lz4: block checksum mismatch");
			}
			byte[] block = buffers.compressed;
			int n = size;
			if (!stored) {
				try {
					n = buffers.decompressor.decompress(buffers.compressed, 0, size, buffers.plain, 0, maxBlock);
				}
				catch (LZ4Exception ex) {
					throw new IOException("lz4: corrupt block: " + ex.getMessage(), ex);
				}
				block = buffers.plain;
			}
			if (contentChecksum) {
				buffers.content.update(block, 0, n);
			}
			out.write(block, 0, n);
			total += n;
		}
		if (contentChecksum && readInt(in) != buffers.content.getValue()) {
			throw new IOException("lz4: content checksum mismatch");
		}
		if (hasContentSize && le64(descriptor, 2) != total) {
			throw new IOException("lz4: content size mismatch");
		}
		return total;
	}

	private static int readInt(InputStream in) throws IOException {
		byte[] word = new byte[4];
		readFully(in, word, 0, 4);
		return le(word, 0);
	}

	private static void readFully(InputStream in, byte[] b, int off, int len) throws IOException {
		if (in.readNBytes(b, off, len) < len) {
			throw new EOFException("lz4: stream ends inside a frame");
		}
	}

	private static int le(byte[] b, int at) {
		return (b[at] & 0xff) | ((b[at + 1] & 0xff) << 8) | ((b[at + 2] & 0xff) << 16) | ((b[at + 3] & 0xff) << 24);
	}

	private static long le64(byte[] b, int at) {
		return Integer.toUnsignedLong(le(b, at)) | ((long) le(b, at + 4) << 32);
	}

}
