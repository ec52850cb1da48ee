/* POSIX threads through the libc: each check prints one line, from the main thread,
 * once the threads it checks are done, so the transcript does not depend on the
 * scheduling. No thread ever sleeps on a timer. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static void check(int ok, const char *what)
{
	printf("pthreads: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

#define WORKERS 4
#define ROUNDS 20000
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate = PTHREAD_COND_INITIALIZER;
static int open_gate;
static long counter;
static __thread int thread_value = 5;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_calls;
static pthread_key_t key;
static int destructor_calls;

static void count_once(void) { once_calls++; }
static void destructor(void *p) { __atomic_add_fetch(&destructor_calls, 1, __ATOMIC_SEQ_CST); free(p); }

static void *worker(void *arg)
{
	long id = (long)arg;
	pthread_mutex_lock(&lock);
	while (!open_gate)
		pthread_cond_wait(&gate, &lock);
	pthread_mutex_unlock(&lock);
	pthread_once(&once, count_once);
	errno = 100 + (int)id;
	thread_value += (int)id;
	pthread_setspecific(key, malloc(32));
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		if (i % 5000 == 0)
			sched_yield(); /* holding the lock: the others must wait for it */
		pthread_mutex_unlock(&lock);
	}
	int own = errno == 100 + id && thread_value == 5 + id && pthread_getspecific(key) != NULL;
	return (void *)(long)(own ? id + 1 : -1);
}

static sem_t items, slots;
static int ring[4];
static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= 200; i++) {
		sem_wait(&slots);
		ring[i % 4] = i;
		sem_post(&items);
	}
	return NULL;
}

static void *forker(void *arg)
{
	(void)arg;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char *p = malloc(64); /* malloc and stdio work in the child of a thread */
		snprintf(p, 64, "pthreads: the child of a thread runs alone: %d", pthread_equal(pthread_self(), pthread_self()));
		puts(p);
		exit(3);
	}
	int status = 0;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return (void *)-1;
	return (void *)(long)WEXITSTATUS(status);
}

#define WRITERS 4
#define LINES 40
static FILE *shared;
static void *writer(void *arg)
{
	for (int i = 0; i < LINES; i++)
		fprintf(shared, "writer %ld line %02d\n", (long)arg, i);
	return NULL;
}

static pthread_barrier_t barrier;
static int serial_count;
static void *at_barrier(void *arg)
{
	(void)arg;
	if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
		__atomic_add_fetch(&serial_count, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static sem_t detached_done;
static void *detached(void *arg)
{
	*(int *)arg = 42;
	sem_post(&detached_done);
	return NULL;
}

static void *last_thread(void *arg)
{
	(void)arg;
	printf("pthreads: main called pthread_exit; the last thread ends the process\n");
	return NULL;
}

int main(void)
{
	pthread_t t[WORKERS];
	pthread_key_create(&key, destructor);
	int created = 0;
	for (long i = 0; i < WORKERS; i++)
		created += pthread_create(&t[i], NULL, worker, (void *)i) == 0;
	check(created == WORKERS, "4 threads created");
	errno = 7; /* (after printf, which may set it: isatty on a pipe) */
	pthread_mutex_lock(&lock);
	open_gate = 1;
	pthread_cond_broadcast(&gate);
	pthread_mutex_unlock(&lock);
	long results = 0;
	for (int i = 0; i < WORKERS; i++) {
		void *r = NULL;
		pthread_join(t[i], &r);
		results += (long)r;
	}
	int main_errno = errno;
	check(counter == WORKERS * ROUNDS, "80000 increments under a mutex, count exact");
	check(results == 1 + 2 + 3 + 4, "each thread had its own errno, __thread variable and key value");
	check(main_errno == 7 && thread_value == 5, "the main thread's errno and __thread variable are unchanged");
	check(once_calls == 1, "pthread_once ran its function once");
	check(destructor_calls == WORKERS, "key destructors ran at each thread's exit");
	check(pthread_join(pthread_self(), NULL) == EDEADLK, "joining oneself: EDEADLK");

	sem_init(&items, 0, 0);
	sem_init(&slots, 0, 4);
	pthread_t p;
	pthread_create(&p, NULL, producer, NULL);
	long sum = 0;
	for (int i = 1; i <= 200; i++) {
		sem_wait(&items);
		sum += ring[i % 4];
		sem_post(&slots);
	}
	pthread_join(p, NULL);
	check(sum == 200 * 201 / 2, "producer and consumer through a 4-slot ring and two semaphores");

	pthread_mutex_t rec;
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&rec, &ma);
	check(pthread_mutex_lock(&rec) == 0 && pthread_mutex_lock(&rec) == 0 && pthread_mutex_unlock(&rec) == 0 &&
	      pthread_mutex_unlock(&rec) == 0 && pthread_mutex_unlock(&rec) == EPERM, "recursive mutex");
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_t ec;
	pthread_mutex_init(&ec, &ma);
	check(pthread_mutex_lock(&ec) == 0 && pthread_mutex_lock(&ec) == EDEADLK && pthread_mutex_unlock(&ec) == 0,
	      "error-checking mutex: EDEADLK");
	pthread_mutex_lock(&lock);
	check(pthread_mutex_trylock(&lock) == EBUSY, "trylock of a held mutex: EBUSY");
	pthread_mutex_unlock(&lock);

	pthread_t f;
	void *child_status = NULL;
	pthread_create(&f, NULL, forker, NULL);
	pthread_join(f, &child_status);
	check((long)child_status == 3, "fork in a thread: the child's exit status 3");

	int fds[2];
	pipe(fds);
	shared = fdopen(fds[1], "w");
	static char big[8192];
	setvbuf(shared, big, _IOFBF, sizeof(big)); /* all lines meet in one buffer */
	pthread_t w[WRITERS];
	for (long i = 0; i < WRITERS; i++)
		pthread_create(&w[i], NULL, writer, (void *)i);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(w[i], NULL);
	fclose(shared);
	static char text[8192];
	int n = 0, r;
	while ((r = (int)read(fds[0], text + n, sizeof(text) - 1 - (size_t)n)) > 0)
		n += r;
	text[n] = 0;
	int next[WRITERS] = { 0 }, whole = 0, bad = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		/* "writer W line NN" */
		int who = line[7] - '0', num = atoi(line + 14);
		if (strlen(line) == 16 && strncmp(line, "writer ", 7) == 0 && strncmp(line + 8, " line ", 6) == 0 &&
		    who >= 0 && who < WRITERS && num == next[who]) {
			next[who]++;
			whole++;
		} else {
			bad++;
		}
	}
	check(whole == WRITERS * LINES && bad == 0, "4 threads x 40 fprintf lines to one stream, none torn");

	pthread_barrier_init(&barrier, NULL, 3);
	pthread_t b[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&b[i], NULL, at_barrier, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(b[i], NULL);
	check(serial_count == 1, "barrier of 3: one PTHREAD_BARRIER_SERIAL_THREAD");

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int value = 0;
	pthread_t d;
	sem_init(&detached_done, 0, 0);
	check(pthread_create(&d, &attr, detached, &value) == 0, "detached thread created");
	sem_wait(&detached_done);
	check(value == 42, "detached thread ran");
	printf("pthreads: %s\n", failures ? "FAILED" : "all ok");
	fflush(stdout);
	if (failures)
		return 1;
	pthread_t last;
	pthread_create(&last, NULL, last_thread, NULL);
	pthread_exit(NULL);
}
