package io.litestream4j.sample.task;

/**
 * The body of {@code POST /api/tasks} and {@code PUT /api/tasks/{id}}. {@code urgent} and
 * {@code important} default to {@code false}; {@code quadrant} may be given instead of them.
 * Other fields (a whole task sent back, say) are ignored.
 *
 * @param title the title, required and not blank
 * @param urgent whether the task is urgent
 * @param important whether the task is important
 * @param quadrant a quadrant name, an alternative to {@code urgent} and {@code important}
 */
public record TaskRequest(String title, Boolean urgent, Boolean important, String quadrant) {

	static final int MAX_TITLE_LENGTH = 500;

	/**
	 * Checks the request and resolves it into what is stored.
	 * @return the validated values
	 * @throws InvalidTaskException naming the offending field
	 */
	public ValidTask validate() {
		if (this.title == null) {
			throw new InvalidTaskException("title", "title is required");
		}
		String trimmed = this.title.strip();
		if (trimmed.isEmpty()) {
			throw new InvalidTaskException("title", "title must not be empty");
		}
		if (trimmed.length() > MAX_TITLE_LENGTH) {
			throw new InvalidTaskException("title",
					"title must be at most " + MAX_TITLE_LENGTH + " characters, got " + trimmed.length());
		}
		boolean isUrgent = Boolean.TRUE.equals(this.urgent);
		boolean isImportant = Boolean.TRUE.equals(this.important);
		if (this.quadrant != null) {
			Quadrant requested = Quadrant.parse(this.quadrant, "quadrant");
			if ((this.urgent != null && this.urgent != requested.isUrgent())
					|| (this.important != null && this.important != requested.isImportant())) {
				throw new InvalidTaskException("quadrant", "quadrant " + requested + " contradicts urgent="
						+ isUrgent + ", important=" + isImportant + "; send either the flags or the quadrant");
			}
			isUrgent = requested.isUrgent();
			isImportant = requested.isImportant();
		}
		return new ValidTask(trimmed, isUrgent, isImportant);
	}

	/**
	 * A validated request.
	 *
	 * @param title the stripped title
	 * @param urgent whether the task is urgent
	 * @param important whether the task is important
	 */
	public record ValidTask(String title, boolean urgent, boolean important) {

	}

}
