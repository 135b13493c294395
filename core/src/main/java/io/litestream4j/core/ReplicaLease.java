package io.litestream4j.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's hold on one replica's {@code lease.json}. {@link #ensureHeld()} is called before every
 * upload and makes a request only when less than half the ttl is left, so the lease is renewed only
 * together with uploads and an idle database makes no request; an idle holder's lease lapses and is
 * taken again before its next upload. A lease naming this instance's holder id is taken back at once
 * (the same instance restarted after a crash); anyone else's must expire first.
 */
final class ReplicaLease {

	private static final Logger log = LoggerFactory.getLogger(ReplicaLease.class);

	private final ReplicaClient client;

	private final Duration ttl;

	private final String holderId;

	private final String context;

	private final Clock clock;

	/** Version of the lease this instance wrote last, or null when it holds none. */
	private String version;

	private Instant heldUntil;

	ReplicaLease(ReplicaClient client, Duration ttl, String holderId, String context, Clock clock) {
		this.client = client;
		this.ttl = ttl;
		this.holderId = holderId;
		this.context = context;
		this.clock = clock;
	}

	String holderId() {
		return holderId;
	}

	/** Until when this instance holds the lease, or null. */
	synchronized Instant heldUntil() {
		return version == null ? null : heldUntil;
	}

	/**
	 * Makes sure this instance holds the lease for at least half the ttl.
	 * @throws LeaseHeldException when another instance holds it, naming that holder
	 */
	synchronized void ensureHeld() throws IOException {
		Instant now = clock.instant();
		if (version != null && Duration.between(now, heldUntil).compareTo(ttl.dividedBy(2)) > 0) {
			return;
		}
		Lease mine = new Lease(holderId, Host.NAME, ProcessHandle.current().pid(), now.plus(ttl));
		if (version != null) {
			String renewed = client.writeLease(mine, version);
			if (renewed != null) {
				version = renewed;
				heldUntil = mine.expiresAt();
				return;
			}
			// Changed since our last write: another instance took it after ours lapsed.
			version = null;
		}
		StoredLease current = client.readLease();
		String taken;
		if (current == null) {
			taken = client.writeLease(mine, null);
		}
		else if (current.lease().holder().equals(holderId) || current.lease().isExpired(now)) {
			taken = client.writeLease(mine, current.version());
		}
		else {
			throw held(current.lease());
		}
		if (taken == null) {
			StoredLease winner = client.readLease();
			if (winner != null) {
				throw held(winner.lease());
			}
			throw new ReplicationException(context + ": lease " + where() + " changed while being taken; will retry");
		}
		if (current == null || !current.lease().holder().equals(holderId)) {
			log.info("lease taken {} {} {}", context, where(), mine.describe()
					+ (current == null ? "" : " (previous " + current.lease().describe() + ", expired)"));
		}
		version = taken;
		heldUntil = mine.expiresAt();
	}

	/** Lets the lease lapse now (graceful stop), so another instance need not wait for the ttl. */
	synchronized void release() {
		if (version == null || !heldUntil.isAfter(clock.instant())) {
			version = null;
			return;
		}
		Instant now = clock.instant();
		try {
			if (client.writeLease(new Lease(holderId, Host.NAME, ProcessHandle.current().pid(), now), version) != null) {
				log.info("lease released {} {}", context, where());
			}
		}
		catch (IOException | RuntimeException ex) {
			log.warn("lease not released {} {}: {} (it lapses at {})", context, where(), ex.getMessage(), heldUntil);
		}
		version = null;
	}

	private LeaseHeldException held(Lease other) {
		return new LeaseHeldException(context + ": lease " + where() + " is held by another instance ("
				+ other.describe() + "); uploads wait until it expires or is released", other);
	}

	private String where() {
		return Lease.OBJECT_NAME + " in " + client.describe();
	}

	/** The host name, looked up once (locally: it is for messages only). */
	static final class Host {

		static final String NAME = lookup();

		// Never InetAddress.getLocalHost(): it may ask a DNS server, and nothing may leave loopback.
		private static String lookup() {
			String env = System.getenv("HOSTNAME");
			if (env != null && !env.isBlank()) {
				return env.trim();
			}
			try {
				String name = Files.readString(Path.of("/etc/hostname")).trim();
				return name.isEmpty() ? "unknown" : name;
			}
			catch (IOException | RuntimeException ex) {
				return "unknown";
			}
		}

	}

}
