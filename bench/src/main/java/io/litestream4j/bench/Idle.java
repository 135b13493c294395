package io.litestream4j.bench;

/** A JVM doing nothing, with the replicator's flags: the baseline for "memory added". */
public final class Idle {

	private Idle() {
	}

	public static void main(String[] args) throws Exception {
		System.out.println("idle");
		Thread.sleep(Long.MAX_VALUE);
	}

}
