package io.litestream4j.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.litestream4j.core.DB;
import io.litestream4j.core.LeaseOptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code litestream.lease.*}: on with a 30 s ttl by default, so a running application takes
 * {@code lease.json} in its replica; off or with another ttl when configured; a bad ttl names the key.
 */
class LitestreamLeaseTests {

	@TempDir
	Path dir;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LitestreamAutoConfiguration.class));

	private String[] fileReplica() {
		return new String[] { "litestream.dbs[0].path=" + this.dir.resolve("app.db"),
				"litestream.dbs[0].replicas[0].type=file",
				"litestream.dbs[0].replicas[0].path=" + this.dir.resolve("replica"),
				"litestream.dbs[0].replicas[0].sync-interval=100ms" };
	}

	@Test
	void onByDefaultAndTheReplicaHoldsTheLease() {
		this.runner.withPropertyValues(fileReplica()).run((context) -> {
			DB db = context.getBean(LitestreamReplicator.class).databases().get(0).db();
			assertThat(db.leaseOptions()).isEqualTo(new LeaseOptions(true, Duration.ofSeconds(30)));
			context.getBean(LitestreamReplicator.class).start();
			db.syncAndWait(Duration.ofSeconds(30));
			assertThat(Files.readString(this.dir.resolve("replica/lease.json"))).contains(db.leaseHolderId());
			assertThat(db.replicas().get(0).leaseHeldUntil()).isNotNull();
		});
	}

	@Test
	void disabledTakesNoLease() {
		this.runner.withPropertyValues(fileReplica())
			.withPropertyValues("litestream.lease.enabled=false", "litestream.lease.ttl=5s")
			.run((context) -> {
				DB db = context.getBean(LitestreamReplicator.class).databases().get(0).db();
				assertThat(db.leaseOptions().enabled()).isFalse();
				context.getBean(LitestreamReplicator.class).start();
				db.syncAndWait(Duration.ofSeconds(30));
				assertThat(this.dir.resolve("replica/lease.json")).doesNotExist();
			});
	}

	@Test
	void nonPositiveTtlIsRefusedNamingTheKey() {
		this.runner.withPropertyValues(fileReplica())
			.withPropertyValues("litestream.lease.ttl=0s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("litestream.lease.ttl"));
	}

}
