package io.litestream4j.core;

/** Another instance holds the lease of a replica path; uploads wait until it lapses. */
public final class LeaseHeldException extends ReplicationException {

	private final Lease holder;

	public LeaseHeldException(String message, Lease holder) {
		super(message);
		this.holder = holder;
	}

	/** The lease as the other instance wrote it. */
	public Lease holder() {
		return holder;
	}

}
