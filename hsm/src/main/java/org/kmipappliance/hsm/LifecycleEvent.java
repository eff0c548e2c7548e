package org.kmipappliance.hsm;

/** What can happen to a managed object after it is created (KMIP 1.4 section 3.22). */
public enum LifecycleEvent {
    ACTIVATE("activate"),
    /** Revoke with reason Key Compromise or CA Compromise. */
    REVOKE_COMPROMISED("revoke"),
    /** Revoke with any other reason. */
    REVOKE_OTHER("revoke"),
    DESTROY("destroy");

    private final String operation;

    LifecycleEvent(String operation) {
        this.operation = operation;
    }

    /** The operation that causes the event, as the audit trail names it (kmip.activate, ...). */
    public String operation() {
        return operation;
    }
}
