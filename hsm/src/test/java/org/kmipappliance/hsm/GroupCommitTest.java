package org.kmipappliance.hsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Group commit: every item written once, before its submitter returns; a batch's failure reaches each of its own. */
class GroupCommitTest {
    @Test
    void concurrentSubmitters_shareBatches_andEachReturnsOnlyOnceItsItemIsWritten() throws Exception {
        Set<Integer> written = ConcurrentHashMap.newKeySet();
        List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger writersAtOnce = new AtomicInteger();
        AtomicInteger mostWritersAtOnce = new AtomicInteger();
        GroupCommit<Integer> commits = new GroupCommit<>(batch -> {
            mostWritersAtOnce.accumulateAndGet(writersAtOnce.incrementAndGet(), Math::max);
            try {
                Thread.sleep(2); // a commit's fsync
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            written.addAll(batch);
            batchSizes.add(batch.size());
            writersAtOnce.decrementAndGet();
        }, () -> false);
        int threads = 32;
        int perThread = 200;
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            int first = t * perThread;
            Thread.ofVirtual().start(() -> {
                try {
                    for (int i = first; i < first + perThread; i++) {
                        commits.submit(i);
                        if (!written.contains(i)) {
                            failures.add(new AssertionError(i + " returned before it was written"));
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        assertEquals(List.of(), failures);
        assertEquals(threads * perThread, written.size());
        assertEquals(threads * perThread, batchSizes.stream().mapToInt(Integer::intValue).sum(), "written once each");
        assertEquals(1, mostWritersAtOnce.get(), "one batch at a time");
        assertTrue(batchSizes.size() < threads * perThread / 4, "batches were shared: " + batchSizes.size()
                + " commits for " + threads * perThread + " items");
        assertTrue(batchSizes.stream().allMatch(size -> size <= GroupCommit.MAX_BATCH));
    }

    @Test
    // Without the hand-off on an Error, the next submit waits forever (join is not interruptible).
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anErrorInAWrite_reachesItsSubmitter_andDoesNotStopLaterWrites() {
        List<String> written = new ArrayList<>();
        GroupCommit<String> commits = new GroupCommit<>(batch -> {
            if (batch.contains("fatal")) {
                throw new StackOverflowError("deep");
            }
            written.addAll(batch);
        }, () -> false);
        assertThrows(StackOverflowError.class, () -> commits.submit("fatal"));
        commits.submit("after");
        assertEquals(List.of("after"), written);
    }

    @Test
    void aLoneSubmitter_writesAtOnce() {
        List<List<String>> batches = new ArrayList<>();
        GroupCommit<String> commits = new GroupCommit<>(batches::add, () -> false);
        commits.submit("a");
        commits.submit("b");
        assertEquals(List.of(List.of("a"), List.of("b")), batches);
    }

    @Test
    void aSubmitterInATransactionOfItsOwn_writesItsItemAloneOnItsThread_evenWhileABatchIsBeingWritten()
            throws Exception {
        CountDownLatch batchWriting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> writtenBy = Collections.synchronizedList(new ArrayList<>());
        ThreadLocal<Boolean> inTransaction = ThreadLocal.withInitial(() -> false);
        GroupCommit<String> commits = new GroupCommit<>(batch -> {
            writtenBy.add(batch + " on " + Thread.currentThread().getName());
            if (batch.contains("shared")) {
                batchWriting.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, inTransaction::get);
        Thread sharer = Thread.ofVirtual().name("sharer").start(() -> commits.submit("shared"));
        batchWriting.await();
        Thread joiner = Thread.ofVirtual().name("joiner").start(() -> {
            inTransaction.set(true);
            commits.submit("joined");
        });
        joiner.join();
        assertEquals(List.of("[shared] on sharer", "[joined] on joiner"), writtenBy,
                "written at once, by its own thread, without waiting for the batch in progress");
        release.countDown();
        sharer.join();
    }

    @Test
    void aFailedWrite_failsEverySubmitterOfItsBatch_andTheNextBatchesStillGo() throws Exception {
        IllegalStateException databaseDown = new IllegalStateException("database down");
        CountDownLatch firstWriteStarted = new CountDownLatch(1);
        CountDownLatch othersQueued = new CountDownLatch(1);
        AtomicInteger writes = new AtomicInteger();
        Set<String> written = ConcurrentHashMap.newKeySet();
        GroupCommit<String> commits = new GroupCommit<>(batch -> {
            if (writes.incrementAndGet() == 1) {
                firstWriteStarted.countDown();
                try {
                    othersQueued.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return; // the first batch (the leader's own item) is written
            }
            if (batch.contains("poison")) {
                throw databaseDown;
            }
            written.addAll(batch);
        }, () -> false);
        Thread leader = Thread.ofVirtual().start(() -> commits.submit("first"));
        firstWriteStarted.await();
        List<Throwable> outcomes = Collections.synchronizedList(new ArrayList<>());
        List<Thread> waiting = new ArrayList<>();
        for (String item : List.of("poison", "same-batch")) {
            waiting.add(Thread.ofVirtual().start(() -> {
                try {
                    commits.submit(item);
                    outcomes.add(null);
                } catch (Throwable e) {
                    outcomes.add(e);
                }
            }));
        }
        while (waiting.stream().anyMatch(thread -> thread.getState() != Thread.State.WAITING)) {
            Thread.sleep(5);
        }
        othersQueued.countDown();
        leader.join();
        for (Thread thread : waiting) {
            thread.join();
        }
        assertEquals(2, outcomes.size());
        outcomes.forEach(outcome -> assertSame(databaseDown, outcome, "both items were in the failed batch"));
        commits.submit("later");
        assertEquals(new HashSet<>(List.of("later")), written, "the next batch is written");
        assertThrows(IllegalStateException.class, () -> commits.submit("poison"));
    }
}
