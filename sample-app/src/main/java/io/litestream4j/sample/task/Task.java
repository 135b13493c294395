package io.litestream4j.sample.task;

import java.time.Instant;

/**
 * A task as the API returns it.
 *
 * @param id the id, assigned by the database
 * @param title the title, never blank
 * @param urgent whether it is urgent
 * @param important whether it is important
 * @param quadrant the quadrant derived from {@code urgent} and {@code important}
 * @param done whether it is completed
 * @param createdAt when it was created
 */
public record Task(long id, String title, boolean urgent, boolean important, Quadrant quadrant, boolean done,
		Instant createdAt) {

}
