package org.kmipappliance.rest;

import io.helidon.http.Status;

/**
 * A failure answered in Key Protect's error envelope. {@code code} is the Key Protect reason code clients match
 * on; {@code context} completes the errorMsg ("Key could not be created").
 */
public final class ApiError extends RuntimeException {
    private final Status status;
    private final String code;
    private final String context;
    private final String targetType;
    private final String targetName;

    public ApiError(Status status, String code, String context, String message, String targetType,
                    String targetName) {
        super(message);
        this.status = status;
        this.code = code;
        this.context = context;
        this.targetType = targetType;
        this.targetName = targetName;
    }

    public static ApiError badRequest(String code, String context, String message) {
        return new ApiError(Status.BAD_REQUEST_400, code, context, message, null, null);
    }

    public static ApiError invalidField(String context, String field, String message) {
        return new ApiError(Status.BAD_REQUEST_400, "INVALID_FIELD_ERR", context, message, "field", field);
    }

    public static ApiError invalidQueryParameter(String context, String parameter, String message) {
        return new ApiError(Status.BAD_REQUEST_400, "INVALID_QUERY_PARAM_ERR", context, message, "query_param",
                parameter);
    }

    public Status status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String context() {
        return context;
    }

    public String targetType() {
        return targetType;
    }

    public String targetName() {
        return targetName;
    }
}
