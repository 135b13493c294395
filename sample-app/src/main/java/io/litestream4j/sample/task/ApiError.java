package io.litestream4j.sample.task;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The body of every error answer of the task API: {@code {"error": "...", "field": "..."}}; {@code field} is
 * left out when no single field is at fault.
 *
 * @param error what is wrong, for a person to read
 * @param field the request field, parameter or path variable at fault, or {@code null}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, String field) {

}
