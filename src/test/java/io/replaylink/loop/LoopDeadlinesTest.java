package io.replaylink.loop;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The loop's deadlines on a real Vert.x event loop: what expires, when, and that finished work leaves no timer. */
class LoopDeadlinesTest {
    private Vertx vertx;
    private Context context;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private <T> T onLoop(Supplier<T> work) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        // run right there on the loop's thread, a failure failing the result
        context.runOnContext(v -> result.completeAsync(work, Runnable::run));
        return result.get(10, TimeUnit.SECONDS);
    }

    @Test
    void workNotDoneInTimeFailsWithATimeoutAndWorkDoneInTimeCompletesAsItDid() throws Exception {
        Promise<String> never = Promise.promise();
        Promise<String> soon = Promise.promise();
        Promise<String> failing = Promise.promise();
        long started = System.nanoTime();
        List<Future<String>> bounded = onLoop(() -> List.of(LoopDeadlines.timeout(never.future(), 150, context),
                LoopDeadlines.timeout(soon.future(), 150, context),
                LoopDeadlines.timeout(failing.future(), 150, context)));
        context.runOnContext(v -> {
            soon.complete("done");
            failing.fail(new IllegalStateException("broken"));
        });
        CompletableFuture<Throwable> expired = new CompletableFuture<>();
        bounded.get(0).onComplete(ar -> expired.complete(ar.cause()));
        Throwable cause = expired.get(10, TimeUnit.SECONDS);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(cause).isInstanceOf(TimeoutException.class).hasMessage("Timeout 150 (ms) fired");
        assertThat(tookMs).isBetween(150L, 5_000L);
        assertThat(bounded.get(1).result()).isEqualTo("done");
        assertThat(bounded.get(2).cause()).hasMessage("broken");
        // completing after the deadline changes nothing
        context.runOnContext(v -> never.complete("late"));
        Thread.sleep(50);
        assertThat(bounded.get(0).failed()).isTrue();
        assertThat(onLoop(() -> LoopDeadlines.on(context).waiting())).isZero();
    }

    @Test
    void thousandsOfDeadlinesOfOneDurationShareOneTimerAndLeaveWhenTheirWorkIsDone() throws Exception {
        List<Promise<Void>> work = new ArrayList<>();
        List<Future<Void>> bounded = new ArrayList<>();
        onLoop(() -> {
            for (int i = 0; i < 5_000; i++) {
                Promise<Void> p = Promise.promise();
                work.add(p);
                bounded.add(LoopDeadlines.timeout(p.future(), 60_000, context));
                LoopDeadlines.timeout(Promise.<Void>promise().future(), 30_000, context);
            }
            return null;
        });
        LoopDeadlines deadlines = onLoop(() -> LoopDeadlines.on(context));
        assertThat(onLoop(deadlines::waiting)).isEqualTo(10_000);
        assertThat(onLoop(deadlines::timers)).isEqualTo(2);
        // done out of order, as requests finish: each leaves its list at once
        onLoop(() -> {
            for (int i = work.size() - 1; i >= 0; i -= 2) {
                work.get(i).complete();
            }
            for (int i = 0; i < work.size(); i += 2) {
                work.get(i).complete();
            }
            return null;
        });
        assertThat(onLoop(deadlines::waiting)).isEqualTo(5_000);
        assertThat(bounded).allMatch(Future::succeeded);
    }

    @Test
    void deadlinesExpireInOrderOnceEachAndACancelledOneNever() throws Exception {
        List<Integer> expired = new CopyOnWriteArrayList<>();
        List<LoopDeadlines.Deadline> set = onLoop(() -> {
            LoopDeadlines deadlines = LoopDeadlines.on(context);
            List<LoopDeadlines.Deadline> all = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int n = i;
                all.add(deadlines.add(100, () -> expired.add(n)));
            }
            // a shorter duration set later expires first
            all.add(deadlines.add(20, () -> expired.add(99)));
            return all;
        });
        // the oldest (the one the timer was set for) and one in the middle are cancelled, from another thread
        set.get(0).cancel();
        set.get(2).cancel();
        long deadline = System.currentTimeMillis() + 5_000;
        while (expired.size() < 4 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(200);
        assertThat(expired).containsExactly(99, 1, 3, 4);
        assertThat(onLoop(() -> LoopDeadlines.on(context).waiting())).isZero();
        assertThat(onLoop(() -> LoopDeadlines.on(context).timers())).isZero();
    }

    @Test
    void anExpiryThatSetsANewDeadlineGetsItsOwnTimer() throws Exception {
        CompletableFuture<Long> second = new CompletableFuture<>();
        long started = System.nanoTime();
        onLoop(() -> LoopDeadlines.on(context).add(30, () -> LoopDeadlines.on(context).add(30,
                () -> second.complete(System.nanoTime()))));
        long at = second.get(10, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(at - started)).isGreaterThanOrEqualTo(60);
    }

    @Test
    void offTheLoopItIsVertxsTimeout() throws Exception {
        assertThat(LoopDeadlines.on(context)).isNull();
        assertThat(LoopDeadlines.on(null)).isNull();
        Promise<String> never = Promise.promise();
        Future<String> bounded = LoopDeadlines.timeout(never.future(), 50, context);
        CompletableFuture<Throwable> cause = new CompletableFuture<>();
        bounded.onComplete(ar -> cause.complete(ar.cause()));
        assertThat(cause.get(10, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
        // a deadline set off the loop is a Vert.x timer on the context: it expires there, and a cancel stops it
        CompletableFuture<Boolean> fired = new CompletableFuture<>();
        List<String> cancelledRan = new CopyOnWriteArrayList<>();
        LoopDeadlines.after(context, 30, () -> fired.complete(Vertx.currentContext() == context));
        LoopDeadlines.after(context, 30, () -> cancelledRan.add("ran")).cancel();
        assertThat(fired.get(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100);
        assertThat(cancelledRan).isEmpty();
        // blocking code run from the loop's context is on a worker thread: not the loop's to touch
        CompletableFuture<Boolean> none = new CompletableFuture<>();
        context.runOnContext(v -> context.executeBlocking(() -> LoopDeadlines.on(context) == null)
                .onComplete(ar -> none.complete(ar.result())));
        assertThat(none.get(10, TimeUnit.SECONDS)).isTrue();
    }
}
