package io.litestream4j.sample.task;

import java.util.List;

import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Turns the task API's failures into {@link ApiError} bodies with 400, 404 or 415.
 */
@RestControllerAdvice(assignableTypes = TaskController.class)
public class TaskExceptionHandler {

	private static final String EXAMPLE = "{\"title\": \"...\", \"urgent\": false, \"important\": true}";

	@ExceptionHandler
	public ResponseEntity<ApiError> invalidTask(InvalidTaskException ex) {
		return error(HttpStatus.BAD_REQUEST, ex.getMessage(), ex.getField());
	}

	@ExceptionHandler
	public ResponseEntity<ApiError> notFound(TaskNotFoundException ex) {
		return error(HttpStatus.NOT_FOUND, ex.getMessage(), "id");
	}

	@ExceptionHandler
	public ResponseEntity<ApiError> typeMismatch(MethodArgumentTypeMismatchException ex) {
		return error(HttpStatus.BAD_REQUEST, ex.getName() + " must be a number, got '" + ex.getValue() + "'",
				ex.getName());
	}

	@ExceptionHandler
	public ResponseEntity<ApiError> unsupportedMediaType(HttpMediaTypeNotSupportedException ex) {
		return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
				"content type " + ex.getContentType() + " is not supported; send application/json", null);
	}

	@ExceptionHandler
	public ResponseEntity<ApiError> unreadable(HttpMessageNotReadableException ex) {
		Throwable cause = ex.getCause();
		if (cause instanceof MismatchedInputException mismatch) {
			String field = fieldOf(mismatch.getPath());
			if (field.isEmpty()) {
				return error(HttpStatus.BAD_REQUEST, "request body must be a JSON object like " + EXAMPLE, null);
			}
			return error(HttpStatus.BAD_REQUEST, field + " " + expected(mismatch.getTargetType()), field);
		}
		if (cause instanceof StreamReadException parse) {
			String where = (parse.getLocation() != null) ? " at line " + parse.getLocation().getLineNr()
					+ ", column " + parse.getLocation().getColumnNr() : "";
			String reason = firstLine(parse.getOriginalMessage());
			return error(HttpStatus.BAD_REQUEST, "malformed JSON" + where + ": " + reason, null);
		}
		if (cause instanceof JacksonException jackson) {
			return error(HttpStatus.BAD_REQUEST, "unreadable JSON: " + firstLine(jackson.getOriginalMessage()), null);
		}
		return error(HttpStatus.BAD_REQUEST,
				"request body is missing or unreadable; send a JSON object like " + EXAMPLE, null);
	}

	private static String fieldOf(List<JacksonException.Reference> path) {
		StringBuilder field = new StringBuilder();
		for (JacksonException.Reference reference : path) {
			if (reference.getPropertyName() != null) {
				if (!field.isEmpty()) {
					field.append('.');
				}
				field.append(reference.getPropertyName());
			}
			else if (reference.getIndex() >= 0) {
				field.append('[').append(reference.getIndex()).append(']');
			}
		}
		return field.toString();
	}

	private static String expected(Class<?> type) {
		if (type == Boolean.class || type == boolean.class) {
			return "must be true or false";
		}
		if (type == String.class) {
			return "must be a string";
		}
		return "has the wrong type";
	}

	private static String firstLine(String message) {
		if (message == null) {
			return "";
		}
		int newline = message.indexOf('\n');
		return (newline < 0) ? message : message.substring(0, newline);
	}

	private static ResponseEntity<ApiError> error(HttpStatus status, String message, String field) {
		return ResponseEntity.status(status).body(new ApiError(message, field));
	}

}
