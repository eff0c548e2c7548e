package org.kmipappliance.hsm.testing;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.kmipappliance.hsm.ForwardingHsm;
import org.kmipappliance.hsm.Hsm;
import org.kmipappliance.hsm.HsmException;
import org.kmipappliance.hsm.SecretBytes;

/**
 * A real HSM whose next chosen call can be held at a chosen point until the test lets it go (so an interleaving
 * that a race meets once in a thousand runs happens every time) or refused there (so a failure of the HSM can be
 * met on demand). Every other call goes to the real token.
 */
public final class ControlledHsm extends ForwardingHsm {
    private static final Duration LONGEST_PAUSE = Duration.ofMinutes(1);

    /** Where a call can be held. */
    public enum Point {
        BEFORE_OPEN, AFTER_SEAL, BEFORE_CREATE_ROOT_KEY
    }

    /** One held call: the test waits until it is reached, does what it wants, then releases it. */
    public static final class Pause {
        private final Point point;
        private final Predicate<String> label;
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private Pause(Point point, Predicate<String> label) {
            this.point = point;
            this.label = label;
        }

        public void awaitReached() throws InterruptedException {
            if (!reached.await(LONGEST_PAUSE.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("no call reached " + point);
            }
        }

        public void release() {
            released.countDown();
        }
    }

    private final AtomicReference<Pause> armed = new AtomicReference<>();
    private final AtomicReference<Refusal> refusal = new AtomicReference<>();

    private record Refusal(Point point, Predicate<String> label) {
    }

    public ControlledHsm(Hsm hsm) {
        super(hsm);
    }

    /** Holds the next call at {@code point} whose root-key label matches; later calls pass. */
    public Pause pauseNext(Point point, Predicate<String> label) {
        Pause pause = new Pause(point, label);
        armed.set(pause);
        return pause;
    }

    /** Makes the next call at {@code point} whose root-key label matches fail as an HSM refusal would. */
    public void refuseNext(Point point, Predicate<String> label) {
        refusal.set(new Refusal(point, label));
    }

    private void holdIfArmed(Point point, String label) {
        Refusal refused = refusal.get();
        if (refused != null && refused.point() == point && refused.label().test(label)
                && refusal.compareAndSet(refused, null)) {
            throw new HsmException("the HSM refused the operation (CKR_DEVICE_ERROR)");
        }
        Pause pause = armed.get();
        if (pause != null && pause.point == point && pause.label.test(label) && armed.compareAndSet(pause, null)) {
            pause.reached.countDown();
            try {
                if (!pause.released.await(LONGEST_PAUSE.toSeconds(), TimeUnit.SECONDS)) {
                    throw new AssertionError("the test never released the call held at " + point);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public byte[] seal(String label, byte[] associatedData, SecretBytes plaintext) {
        byte[] blob = super.seal(label, associatedData, plaintext);
        holdIfArmed(Point.AFTER_SEAL, label);
        return blob;
    }

    @Override
    public SecretBytes open(String label, byte[] associatedData, byte[] blob) {
        holdIfArmed(Point.BEFORE_OPEN, label);
        return super.open(label, associatedData, blob);
    }

    @Override
    public void createRootKey(String label) {
        holdIfArmed(Point.BEFORE_CREATE_ROOT_KEY, label);
        super.createRootKey(label);
    }
}
