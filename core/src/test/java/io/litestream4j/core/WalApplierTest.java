package io.litestream4j.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cached, deferred application gives the same bytes as writing frame by frame and sizing the file at
 * every commit, whatever the cache size: growing and shrinking transactions, pages cut off by a commit
 * and written again, a flush in the middle of a transaction.
 */
class WalApplierTest {

	private static final int PAGE = 512;

	@TempDir
	Path dir;

	@Test
	void sameBytesAsFrameByFrameForAnyCacheSize() throws Exception {
		for (long seed = 1; seed <= 40; seed++) {
			Random random = new Random(seed);
			byte[] image = new byte[PAGE * (1 + random.nextInt(20))];
			random.nextBytes(image);
			List<List<Frame>> segments = randomSegments(random);
			byte[] wal = wal(segments);
			Path expected = dir.resolve("expected-" + seed);
			Files.write(expected, image);
			applyFrameByFrame(expected, segments);
			for (int cachePages : new int[] { 1, 2, 3, 7, 1000 }) {
				Path actual = dir.resolve("actual-" + seed + "-" + cachePages);
				Files.write(actual, image);
				try (WalApplier applier = new WalApplier(actual, PAGE, cachePages * PAGE)) {
					applier.startIndex();
					int at = 0;
					for (int i = 0; i < segments.size(); i++) {
						int length = (i == 0 ? WalHeader.SIZE : 0) + segments.get(i).size() * (WalFrame.HEADER_SIZE + PAGE);
						applier.apply(new ByteArrayInputStream(wal, at, length));
						at += length;
					}
				}
				assertThat(Files.mismatch(expected, actual)).as("seed " + seed + " cache " + cachePages).isEqualTo(-1);
			}
		}
	}

	private record Frame(int page, int commit, byte[] data) {
	}

	/** Segments of transactions; each segment ends on a commit. */
	private static List<List<Frame>> randomSegments(Random random) {
		List<List<Frame>> segments = new ArrayList<>();
		int size = 1 + random.nextInt(20);
		for (int s = 0; s < 1 + random.nextInt(6); s++) {
			List<Frame> segment = new ArrayList<>();
			for (int t = 0; t < 1 + random.nextInt(4); t++) {
				int newSize = Math.max(1, size + random.nextInt(13) - 6);
				int frames = 1 + random.nextInt(6);
				for (int f = 0; f < frames; f++) {
					int page = 1 + random.nextInt(Math.max(size, newSize) + 2);
					byte[] data = new byte[PAGE];
					random.nextBytes(data);
					segment.add(new Frame(page, f == frames - 1 ? newSize : 0, data));
				}
				size = newSize;
			}
			segments.add(segment);
		}
		return segments;
	}

	private static byte[] wal(List<List<Frame>> segments) {
		ByteBuffer header = ByteBuffer.allocate(WalHeader.SIZE);
		header.putInt(WalHeader.MAGIC_LITTLE_ENDIAN).putInt(WalHeader.FORMAT_VERSION).putInt(PAGE).putInt(0)
			.putInt(0x1234).putInt(0x5678);
		WalChecksum sum = WalChecksum.ZERO.update(false, header.array(), 0, 24);
		header.putInt(sum.s0()).putInt(sum.s1());
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.writeBytes(header.array());
		for (List<Frame> segment : segments) {
			for (Frame frame : segment) {
				byte[] bytes = new byte[WalFrame.HEADER_SIZE + PAGE];
				ByteBuffer.wrap(bytes).putInt(frame.page()).putInt(frame.commit()).putInt(0x1234).putInt(0x5678);
				System.arraycopy(frame.data(), 0, bytes, WalFrame.HEADER_SIZE, PAGE);
				sum = sum.update(false, bytes, 0, 8).update(false, bytes, WalFrame.HEADER_SIZE, PAGE);
				ByteBuffer.wrap(bytes, 16, 8).putInt(sum.s0()).putInt(sum.s1());
				out.writeBytes(bytes);
			}
		}
		return out.toByteArray();
	}

	private static void applyFrameByFrame(Path file, List<List<Frame>> segments) throws Exception {
		try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
			for (List<Frame> segment : segments) {
				for (Frame frame : segment) {
					raf.seek((long) (frame.page() - 1) * PAGE);
					raf.write(frame.data());
					if (frame.commit() != 0) {
						raf.setLength((long) frame.commit() * PAGE);
					}
				}
			}
		}
	}

}
