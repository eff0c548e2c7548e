package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every (state, event) pair against KMIP 1.4 section 3.22, written out independently of the code's table. */
class ObjectLifecycleTest {
    private static final String MATRIX = """
            state                  ACTIVATE  REVOKE_COMPROMISED     REVOKE_OTHER  DESTROY
            PRE_ACTIVE             ACTIVE    COMPROMISED            -             DESTROYED
            ACTIVE                 -         COMPROMISED            DEACTIVATED   -
            DEACTIVATED            -         COMPROMISED            -             DESTROYED
            COMPROMISED            -         -                      -             DESTROYED_COMPROMISED
            DESTROYED              -         DESTROYED_COMPROMISED  -             -
            DESTROYED_COMPROMISED  -         -                      -             -
            """;

    static Stream<Arguments> matrix() {
        String[] lines = MATRIX.strip().split("\n");
        String[] events = lines[0].trim().split("\\s+");
        Stream.Builder<Arguments> cases = Stream.builder();
        for (int row = 1; row < lines.length; row++) {
            String[] cells = lines[row].trim().split("\\s+");
            for (int column = 1; column < events.length; column++) {
                cases.add(Arguments.of(ObjectState.valueOf(cells[0]), LifecycleEvent.valueOf(events[column]),
                        cells[column].equals("-") ? null : ObjectState.valueOf(cells[column])));
            }
        }
        return cases.build();
    }

    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @MethodSource("matrix")
    void transition_followsTheSpec(ObjectState from, LifecycleEvent event, ObjectState expected) {
        assertEquals(Optional.ofNullable(expected), ObjectLifecycle.next(from, event));
    }

    @Test
    void matrix_coversEveryStateAndEvent() {
        assertEquals(ObjectState.values().length * LifecycleEvent.values().length, matrix().count());
    }

    @Test
    void newObject_isActiveOnlyWhenItsActivationDateHasCome() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(ObjectState.PRE_ACTIVE, ObjectLifecycle.initial(null, null, now));
        assertEquals(ObjectState.ACTIVE, ObjectLifecycle.initial(now, null, now));
        assertEquals(ObjectState.ACTIVE, ObjectLifecycle.initial(now.minusSeconds(3600), now.plusSeconds(1), now));
        assertEquals(ObjectState.PRE_ACTIVE, ObjectLifecycle.initial(now.plusSeconds(1), null, now));
        assertEquals(ObjectState.DEACTIVATED, ObjectLifecycle.initial(now.minusSeconds(2), now.minusSeconds(1), now));
        assertEquals(ObjectState.PRE_ACTIVE, ObjectLifecycle.initial(null, now.minusSeconds(1), now),
                "no transition leads from Pre-Active to Deactivated");
    }

    @Test
    void datesTakeEffect_onlyOnTheStatesTheyMove() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        Instant past = now.minusSeconds(60);
        assertEquals(ObjectState.ACTIVE, ObjectLifecycle.effective(ObjectState.PRE_ACTIVE, past, null, now));
        assertEquals(ObjectState.DEACTIVATED, ObjectLifecycle.effective(ObjectState.ACTIVE, past, past, now));
        assertEquals(ObjectState.ACTIVE, ObjectLifecycle.effective(ObjectState.ACTIVE, past, now.plusSeconds(1),
                now));
        for (ObjectState later : List.of(ObjectState.COMPROMISED, ObjectState.DESTROYED,
                ObjectState.DESTROYED_COMPROMISED, ObjectState.DEACTIVATED)) {
            assertEquals(later, ObjectLifecycle.effective(later, past, past, now), later + " stays");
        }
    }
}
