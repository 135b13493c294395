package io.litestream4j.sample.task;

/**
 * No task with the requested id; the API answers 404.
 */
public class TaskNotFoundException extends RuntimeException {

	public TaskNotFoundException(long id) {
		super("task " + id + " not found");
	}

}
