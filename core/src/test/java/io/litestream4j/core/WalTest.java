package io.litestream4j.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Random;

import io.litestream4j.core.testing.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WalTest {

	@TempDir
	Path dir;

	/** A real WAL written by SQLite, with the replicator's auto-checkpoint off so frames stay in it. */
	private byte[] realWal() throws Exception {
		Path db = dir.resolve("wal.db");
		try (Connection connection = TestDatabases.appConnection(db); Statement statement = connection.createStatement()) {
			statement.execute("PRAGMA wal_autocheckpoint = 0");
			statement.execute("CREATE TABLE t (x)");
			statement.execute("INSERT INTO t VALUES ('one')");
			statement.execute("INSERT INTO t VALUES ('two')");
			return Files.readAllBytes(Path.of(db + "-wal"));
		}
	}

	@Test
	void parsesAndVerifiesSqliteWalHeaderAndFrames() throws Exception {
		byte[] wal = realWal();
		WalHeader header = WalHeader.parse(wal);
		assertThat(header.pageSize()).isEqualTo(4096);
		assertThat(header.alignToFrame(wal.length)).isEqualTo(wal.length);

		WalChecksum sum = header.checksum();
		int frames = 0;
		int commits = 0;
		for (int offset = WalHeader.SIZE; offset < wal.length; offset += header.frameSize()) {
			byte[] frame = java.util.Arrays.copyOfRange(wal, offset, offset + header.frameSize());
			sum = WalFrame.verify(header, sum, frame);
			assertThat(sum).as("frame at %d", offset).isNotNull();
			frames++;
			commits += WalFrame.parse(frame).isCommit() ? 1 : 0;
		}
		assertThat(frames).isGreaterThanOrEqualTo(3);
		assertThat(commits).isEqualTo(3);
	}

	@Test
	void rejectsCorruptHeaderAndFrames() throws Exception {
		byte[] wal = realWal();
		byte[] badHeader = wal.clone();
		badHeader[20] ^= 1; // salt-2 changes, the header checksum no longer matches
		assertThatThrownBy(() -> WalHeader.parse(badHeader)).isInstanceOf(InvalidWalException.class)
			.hasMessageContaining("checksum");
		byte[] badMagic = wal.clone();
		badMagic[0] = 0;
		assertThatThrownBy(() -> WalHeader.parse(badMagic)).hasMessageContaining("magic");

		WalHeader header = WalHeader.parse(wal);
		byte[] frame = java.util.Arrays.copyOfRange(wal, WalHeader.SIZE, WalHeader.SIZE + header.frameSize());
		frame[100] ^= 1;
		assertThat(WalFrame.verify(header, header.checksum(), frame)).isNull();
	}

	@Test
	void checksumMatchesBothByteOrders() {
		byte[] data = ByteBuffer.allocate(16).putInt(1).putInt(2).putInt(3).putInt(4).array();
		WalChecksum big = WalChecksum.ZERO.update(true, data, 0, 16);
		// s0 = 1 + 0, s1 = 2 + 1; then s0 = 3 + 3 + 1, s1 = 4 + 7 + 3
		assertThat(big).isEqualTo(new WalChecksum(7, 14));
		WalChecksum little = WalChecksum.ZERO.update(false, data, 0, 16);
		assertThat(little.s0()).isEqualTo(0x01000000 + 0x03000000 + 0x01000000 + 0x02000000);
	}

	@Test
	void lz4FramesCarryContentChecksumButNoBlockChecksum() throws Exception {
		byte[] payload = new byte[5 * 1024 * 1024];
		new Random(1).nextBytes(payload);
		ByteArrayOutputStream compressed = new ByteArrayOutputStream();
		try (OutputStream out = Lz4.compressing(compressed)) {
			out.write(payload);
		}
		byte[] frame = compressed.toByteArray();
		assertThat(ByteBuffer.wrap(frame, 0, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(0x184D2204);
		int flg = frame[4] & 0xff;
		assertThat(flg & 0x10).as("block checksum flag (litestream rejects it)").isZero();
		assertThat(flg & 0x04).as("content checksum flag").isNotZero();
		assertThat(flg & 0x20).as("block independence").isNotZero();
		assertThat(frame[5] & 0x70).as("1 MB blocks").isEqualTo(0x60);
		try (InputStream in = Lz4.decompressing(new ByteArrayInputStream(frame))) {
			assertThat(in.readAllBytes()).isEqualTo(payload);
		}
	}

	@Test
	void replicaNamesFollowLitestreamAndForeignNamesAreIgnored() {
		assertThat(ReplicaLayout.walSegmentKey(new Pos("fee458928889c3a2", 0, 16512)))
			.isEqualTo("generations/fee458928889c3a2/wal/00000000_00004080.wal.lz4");
		assertThat(ReplicaLayout.snapshotKey("fee458928889c3a2", 11))
			.isEqualTo("generations/fee458928889c3a2/snapshots/0000000b.snapshot.lz4");
		assertThat(ReplicaLayout.parseWalSegmentName("0000000b_00000000.wal.lz4")).containsExactly(11, 0);
		assertThat(ReplicaLayout.parseWalSegmentName("0000000B_00000000.wal.lz4")).isNull();
		assertThat(ReplicaLayout.parseSnapshotName("00000001.snapshot.lz4")).hasValue(1);
		assertThat(ReplicaLayout.parseSnapshotName("1.snapshot.lz4")).isEmpty();
		assertThat(ReplicaLayout.join("/quadtask-dev/", "generations")).isEqualTo("quadtask-dev/generations");
		assertThat(ReplicaLayout.join("", "generations")).isEqualTo("generations");
		assertThat(new Pos("fee458928889c3a2", 1, 4152)).hasToString("fee458928889c3a2/00000001:4152");
		assertThatThrownBy(() -> ReplicaLayout.walSegmentKey(new Pos("fee458928889c3a2", 0, 0x1_0000_0000L)))
			.hasMessageContaining("Litestream v0.3");
	}

	@Test
	void spoolSpillsLargePayloadsToDiskAndDeletesThem() throws Exception {
		byte[] data = new byte[3000];
		new Random(3).nextBytes(data);
		Spool spool = new Spool(dir.resolve("tmp"), 1024);
		try (OutputStream out = spool.output()) {
			out.write(data);
		}
		assertThat(spool.length()).isEqualTo(3000);
		assertThat(fileCount(dir.resolve("tmp"))).isEqualTo(1);
		try (InputStream in = spool.open()) {
			assertThat(in.readAllBytes()).isEqualTo(data);
		}
		spool.close();
		assertThat(fileCount(dir.resolve("tmp"))).isZero();
	}

	private static long fileCount(Path dir) throws java.io.IOException {
		try (var list = Files.list(dir)) {
			return list.count();
		}
	}

}
