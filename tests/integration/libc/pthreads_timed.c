/* Threads that sleep on timers: timed waits that time out (condition variable,
 * semaphore, mutex) and a worker that sleeps while the main thread joins it. Every
 * thread of the process is asleep at some point, so the kernel's idle task runs while
 * %gs holds the threads' TLS selector. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void check(int ok, const char *what)
{
	printf("timed: %s: %s\n", what, ok ? "ok" : "FAIL");
}

static struct timespec in_ms(long ms)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += ms * 1000000;
	t.tv_sec += t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	return t;
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static void *hold_lock(void *arg)
{
	pthread_mutex_lock(&m);
	sem_post((sem_t *)arg);
	usleep(100000); /* hold it while main's timedlock gives up */
	pthread_mutex_unlock(&m);
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	usleep(30000);
	return (void *)7L;
}

int main(void)
{
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	pthread_t t;
	void *r = NULL;
	check(pthread_create(&t, NULL, sleeper, NULL) == 0 && pthread_join(t, &r) == 0 && (long)r == 7,
	      "join a thread that sleeps");

	pthread_mutex_lock(&m);
	struct timespec deadline = in_ms(20);
	int err = pthread_cond_timedwait(&c, &m, &deadline);
	pthread_mutex_unlock(&m);
	check(err == ETIMEDOUT, "pthread_cond_timedwait times out: ETIMEDOUT");

	sem_t s;
	sem_init(&s, 0, 0);
	deadline = in_ms(20);
	check(sem_timedwait(&s, &deadline) == -1 && errno == ETIMEDOUT, "sem_timedwait times out: ETIMEDOUT");

	pthread_create(&t, NULL, hold_lock, &s);
	sem_wait(&s);
	deadline = in_ms(20);
	check(pthread_mutex_timedlock(&m, &deadline) == ETIMEDOUT, "pthread_mutex_timedlock times out: ETIMEDOUT");
	pthread_join(t, NULL);
	check(pthread_mutex_trylock(&m) == 0, "the mutex is free once its holder is gone");
	return 0;
}
