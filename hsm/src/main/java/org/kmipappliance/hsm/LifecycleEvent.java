package org.kmipappliance.hsm;

/** What can happen to a managed object after it is created (KMIP 1.4 section 3.22). */
public enum LifecycleEvent {
    ACTIVATE,
    /** Revoke with reason Key Compromise or CA Compromise. */
    REVOKE_COMPROMISED,
    /** Revoke with any other reason. */
    REVOKE_OTHER,
    DESTROY
}
