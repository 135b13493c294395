package io.litestream4j.core;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;

import io.litestream4j.core.RestoreOptions.IntegrityCheck;
import io.litestream4j.core.file.FileReplicaClient;
import io.litestream4j.core.testing.BytesPayload;
import io.litestream4j.core.testing.TestDatabases;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The integrity check a restore runs (Litestream v0.5's {@code -integrity-check}): FULL by default, QUICK
 * and NONE restore the same bytes; a snapshot whose frames are sound but whose database is damaged fails
 * under QUICK and FULL naming the check, and passes unchecked under NONE.
 */
class RestoreIntegrityCheckTest {

	private static final String GENERATION = "0123456789abcdef";

	@TempDir
	Path dir;

	private byte[] database;

	@BeforeEach
	void createDatabase() throws Exception {
		Path db = dir.resolve("source.db");
		// A table and an index over several b-tree pages, written in WAL mode and checkpointed on close.
		try (Connection c = TestDatabases.appConnection(db)) {
			c.createStatement().execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
			c.createStatement().execute("CREATE INDEX items_name ON items (name)");
			c.setAutoCommit(false);
			try (PreparedStatement insert = c.prepareStatement("INSERT INTO items (name) VALUES (?)")) {
				for (int i = 0; i < 2000; i++) {
					insert.setString(1, "item number " + i);
					insert.executeUpdate();
				}
			}
			c.commit();
		}
		database = Files.readAllBytes(db);
		assertThat(database.length).as("several b-tree pages").isGreaterThan(10 * 4096);
	}

	private FileReplicaClient replicaOf(byte[] image) throws Exception {
		ByteArrayOutputStream compressed = new ByteArrayOutputStream();
		try (OutputStream out = Lz4.compressing(compressed)) {
			out.write(image);
		}
		FileReplicaClient client = new FileReplicaClient(dir.resolve("replica"));
		client.writeSnapshot(GENERATION, 0, new BytesPayload(compressed.toByteArray()));
		return client;
	}

	private RestoreResult restore(FileReplicaClient client, IntegrityCheck check) {
		return new Restorer(client).restore(RestoreOptions.latest(dir.resolve(check + ".db")).withIntegrityCheck(check));
	}

	@Test
	void fullIsTheDefaultAndEveryCheckRestoresTheSameBytes() throws Exception {
		assertThat(RestoreOptions.latest(dir.resolve("x.db")).integrityCheck()).isEqualTo(IntegrityCheck.FULL);
		assertThat(new RestoreOptions(dir.resolve("x.db"), null, null, null, false, false, false, 8).integrityCheck())
			.isEqualTo(IntegrityCheck.FULL);
		FileReplicaClient client = replicaOf(database);
		assertThat(restore(client, IntegrityCheck.FULL).integrity()).isEqualTo("ok");
		assertThat(restore(client, IntegrityCheck.QUICK).integrity()).isEqualTo("ok");
		assertThat(restore(client, IntegrityCheck.NONE).integrity()).isEqualTo(Restorer.SKIPPED);
		for (IntegrityCheck check : IntegrityCheck.values()) {
			Path restored = dir.resolve(check + ".db");
			assertThat(Files.mismatch(restored, dir.resolve("source.db"))).as(check.name()).isEqualTo(-1);
			assertThat(TestDatabases.integrityCheck(restored)).isEqualTo("ok");
		}
	}

	@Test
	void damagedPageFailsQuickAndFullNamingTheCheck() throws Exception {
		byte[] damaged = database.clone();
		int pageSize = ((damaged[16] & 0xff) << 8) | (damaged[17] & 0xff);
		// A b-tree page zeroed: the LZ4 frame and its checksum are sound, the database is not.
		java.util.Arrays.fill(damaged, 2 * pageSize, 3 * pageSize, (byte) 0);
		FileReplicaClient client = replicaOf(damaged);
		assertThatThrownBy(() -> restore(client, IntegrityCheck.QUICK)).isInstanceOf(ReplicationException.class)
			.hasMessageContaining("failed quick_check");
		assertThatThrownBy(() -> restore(client, IntegrityCheck.FULL)).isInstanceOf(ReplicationException.class)
			.hasMessageContaining("failed integrity_check");
		assertThat(dir.resolve("QUICK.db")).doesNotExist();
		assertThat(dir.resolve("FULL.db")).doesNotExist();
		assertThat(restore(client, IntegrityCheck.NONE).integrity()).isEqualTo(Restorer.SKIPPED);
	}

}
