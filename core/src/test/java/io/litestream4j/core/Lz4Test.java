package io.litestream4j.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Random;

import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.lz4.LZ4FrameOutputStream.BLOCKSIZE;
import net.jpountz.lz4.LZ4FrameOutputStream.FLG;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The restore's frame decoder reads what lz4-java's frame reader reads, and refuses what it refuses. */
class Lz4Test {

	/** Runs of 100 random bytes alternating with runs of zeros: some blocks compress, some are stored. */
	private static byte[] sample(Random random, int size) {
		byte[] data = new byte[size];
		for (int i = 0; i < size; i += 200) {
			for (int j = i; j < Math.min(size, i + 100); j++) {
				data[j] = (byte) random.nextInt();
			}
		}
		return data;
	}

	private static byte[] frame(byte[] data, BLOCKSIZE size, FLG.Bits... bits) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		boolean knownSize = Arrays.asList(bits).contains(FLG.Bits.CONTENT_SIZE);
		try (OutputStream lz4 = bits.length == 0 ? Lz4.compressing(out)
				: knownSize ? new LZ4FrameOutputStream(out, size, data.length, bits) : new LZ4FrameOutputStream(out, size, bits)) {
			lz4.write(data);
		}
		return out.toByteArray();
	}

	private static byte[] decode(byte[] compressed, Lz4.Buffers buffers) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		long n = Lz4.decompress(new ByteArrayInputStream(compressed), out, buffers);
		assertThat(n).isEqualTo(out.size());
		return out.toByteArray();
	}

	@Test
	void decodesWhatTheFrameReaderDecodesWithReusedBuffers() throws Exception {
		Random random = new Random(3);
		Lz4.Buffers buffers = new Lz4.Buffers();
		for (int size : new int[] { 1, 4096, 65536, 65537, 300_000, 2_500_000 }) {
			byte[] data = sample(random, size);
			for (byte[] compressed : new byte[][] { frame(data, BLOCKSIZE.SIZE_1MB),
					frame(data, BLOCKSIZE.SIZE_64KB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_CHECKSUM),
					frame(data, BLOCKSIZE.SIZE_4MB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.BLOCK_CHECKSUM),
					frame(data, BLOCKSIZE.SIZE_256KB, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_SIZE,
							FLG.Bits.CONTENT_CHECKSUM) }) {
				byte[] reference = new LZ4FrameInputStream(new ByteArrayInputStream(compressed)).readAllBytes();
				assertThat(reference).isEqualTo(data);
				assertThat(decode(compressed, buffers)).as("size " + size).isEqualTo(data);
			}
		}
	}

	@Test
	void emptyFrameIsEmpty() throws Exception {
		assertThat(decode(frame(new byte[0], BLOCKSIZE.SIZE_1MB), new Lz4.Buffers())).isEmpty();
	}

	@Test
	void concatenatedFramesAreOneStream() throws Exception {
		byte[] a = sample(new Random(1), 5000);
		byte[] b = sample(new Random(2), 7000);
		ByteArrayOutputStream both = new ByteArrayOutputStream();
		both.writeBytes(frame(a, BLOCKSIZE.SIZE_1MB));
		both.writeBytes(frame(b, BLOCKSIZE.SIZE_1MB));
		ByteArrayOutputStream expected = new ByteArrayOutputStream();
		expected.writeBytes(a);
		expected.writeBytes(b);
		assertThat(decode(both.toByteArray(), new Lz4.Buffers())).isEqualTo(expected.toByteArray());
	}

	@Test
	void corruptOrTruncatedFramesAreRefused() throws Exception {
		byte[] compressed = frame(sample(new Random(4), 200_000), BLOCKSIZE.SIZE_1MB);
		for (int at : new int[] { 0, 4, 6, 9, 50, compressed.length / 2, compressed.length - 2 }) {
			byte[] corrupt = compressed.clone();
			corrupt[at] ^= 0x5a;
			assertThatThrownBy(() -> decode(corrupt, new Lz4.Buffers())).as("byte " + at).isInstanceOf(IOException.class);
		}
		for (int length : new int[] { 0, 3, 7, compressed.length / 2, compressed.length - 1 }) {
			byte[] truncated = Arrays.copyOf(compressed, length);
			assertThatThrownBy(() -> decode(truncated, new Lz4.Buffers())).as("length " + length)
				.isInstanceOf(IOException.class);
		}
	}

}
