package org.kmipappliance.hsm;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Writes items that many threads submit at once in shared batches, one transaction (one fsync) per batch, and
 * returns to each submitter only once its item is durable (or throws what the batch's write threw). No thread of
 * its own: the first submitter that finds nobody writing writes a batch that starts with its own item, then hands
 * the writing on to the oldest submitter still waiting, so nobody writes other threads' items for long. A lone
 * submitter writes alone at once; under load, batches grow with the number of waiting submitters. A submitter
 * inside a transaction of its own that the item must join (KMIP's Undo batch option) writes it alone, at once,
 * on its own thread, so that the item is kept or undone with the rest of that transaction.
 */
final class GroupCommit<T> {
    /** Items written in one transaction at most. */
    static final int MAX_BATCH = 256;

    private final Consumer<List<T>> writer;
    private final BooleanSupplier writeAlone;
    private final Object lock = new Object();
    private final ArrayDeque<Entry<T>> queue = new ArrayDeque<>();
    private boolean writing;

    /**
     * {@code writer} writes a batch durably, or throws; a submitter for which {@code writeAlone} is true writes
     * its own item by itself.
     */
    GroupCommit(Consumer<List<T>> writer, BooleanSupplier writeAlone) {
        this.writer = writer;
        this.writeAlone = writeAlone;
    }

    /** Returns once {@code item} is written; throws what the write of its batch threw. */
    void submit(T item) {
        if (writeAlone.getAsBoolean()) {
            writer.accept(List.of(item));
            return;
        }
        Entry<T> mine = new Entry<>(item);
        boolean lead;
        synchronized (lock) {
            queue.addLast(mine);
            lead = !writing;
            writing = true;
        }
        if (!lead && mine.outcome.join() != Outcome.LEAD) {
            mine.rethrowFailure();
            return;
        }
        // Writing: the queue's head is this item (nobody else took it), so the batch holds it.
        List<Entry<T>> batch = new ArrayList<>();
        synchronized (lock) {
            while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
                batch.add(queue.pollFirst());
            }
        }
        RuntimeException failure = null;
        Error fatal = null;
        try {
            writer.accept(batch.stream().map(entry -> entry.item).toList());
        } catch (RuntimeException e) {
            failure = e;
        } catch (Error e) {
            // Still hand the writing on and answer the batch, or every later submitter would wait forever.
            fatal = e;
            failure = new IllegalStateException("the batch's write failed: " + e, e);
        }
        Entry<T> next;
        synchronized (lock) {
            next = queue.peekFirst();
            writing = next != null;
        }
        if (next != null) {
            next.outcome.complete(Outcome.LEAD);
        }
        for (Entry<T> entry : batch) {
            if (entry != mine) {
                entry.failure = failure;
                entry.outcome.complete(failure == null ? Outcome.WRITTEN : Outcome.FAILED);
            }
        }
        if (fatal != null) {
            throw fatal;
        }
        if (failure != null) {
            throw failure;
        }
    }

    private enum Outcome { WRITTEN, FAILED, LEAD }

    private static final class Entry<T> {
        final T item;
        final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        volatile RuntimeException failure;

        Entry(T item) {
            this.item = item;
        }

        void rethrowFailure() {
            if (failure != null) {
                throw failure; // the batch's own exception, so callers see the database's failure as it was
            }
        }
    }
}
