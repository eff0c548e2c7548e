package org.kmipappliance.hsm;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The state machine of a managed object, as data: KMIP 1.4 section 3.22, and no transition that section does not
 * list ("Only the transitions described above are permitted").
 */
public final class ObjectLifecycle {
    private static final Map<ObjectState, Map<LifecycleEvent, ObjectState>> TRANSITIONS =
            new EnumMap<>(ObjectState.class);

    static {
        allow(ObjectState.PRE_ACTIVE, LifecycleEvent.ACTIVATE, ObjectState.ACTIVE);             // 2
        allow(ObjectState.PRE_ACTIVE, LifecycleEvent.REVOKE_COMPROMISED, ObjectState.COMPROMISED); // 4
        allow(ObjectState.PRE_ACTIVE, LifecycleEvent.DESTROY, ObjectState.DESTROYED);          // 3
        allow(ObjectState.ACTIVE, LifecycleEvent.REVOKE_COMPROMISED, ObjectState.COMPROMISED);    // 5
        allow(ObjectState.ACTIVE, LifecycleEvent.REVOKE_OTHER, ObjectState.DEACTIVATED);          // 6
        allow(ObjectState.DEACTIVATED, LifecycleEvent.REVOKE_COMPROMISED, ObjectState.COMPROMISED); // 7
        allow(ObjectState.DEACTIVATED, LifecycleEvent.DESTROY, ObjectState.DESTROYED);         // 8
        allow(ObjectState.COMPROMISED, LifecycleEvent.DESTROY, ObjectState.DESTROYED_COMPROMISED); // 9
        allow(ObjectState.DESTROYED, LifecycleEvent.REVOKE_COMPROMISED,
                ObjectState.DESTROYED_COMPROMISED);                                            // 10
    }

    private ObjectLifecycle() {
    }

    private static void allow(ObjectState from, LifecycleEvent event, ObjectState to) {
        TRANSITIONS.computeIfAbsent(from, state -> new EnumMap<>(LifecycleEvent.class)).put(event, to);
    }

    /** The state {@code event} leads to from {@code from}, or empty when the transition is not permitted. */
    public static Optional<ObjectState> next(ObjectState from, LifecycleEvent event) {
        return Optional.ofNullable(TRANSITIONS.getOrDefault(from, Map.of()).get(event));
    }

    /**
     * The state of a new object: Active when its Activation Date has come (transitions 1 then 4), and Deactivated
     * when its Deactivation Date has come too (6), else Pre-Active.
     */
    public static ObjectState initial(Instant activationDate, Instant deactivationDate, Instant now) {
        return effective(ObjectState.PRE_ACTIVE, activationDate, deactivationDate, now);
    }

    /**
     * The state an object is in at {@code now}, its dates applied to the state it was last recorded in: a
     * Pre-Active object whose Activation Date has come is Active (transition 4), an Active object whose Deactivation
     * Date has come is Deactivated (transition 6). The dates take effect the moment they come, whether or not the
     * sweep has written the new state yet.
     */
    public static ObjectState effective(ObjectState recorded, Instant activationDate, Instant deactivationDate,
                                        Instant now) {
        ObjectState state = recorded;
        if (state == ObjectState.PRE_ACTIVE && activationDate != null && !activationDate.isAfter(now)) {
            state = ObjectState.ACTIVE;
        }
        if (state == ObjectState.ACTIVE && deactivationDate != null && !deactivationDate.isAfter(now)) {
            state = ObjectState.DEACTIVATED;
        }
        return state;
    }

    /** Whether the object still has key material. */
    public static boolean hasMaterial(ObjectState state) {
        return state != ObjectState.DESTROYED && state != ObjectState.DESTROYED_COMPROMISED;
    }
}
