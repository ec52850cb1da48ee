/* POSIX threads: four workers add into a shared counter under a mutex, a condition
 * variable hands out work, thread-local storage stays per thread, join returns each
 * worker's value; then fork from a threaded process: the child has only the forking
 * thread, and its copy of the counter. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define NTHREADS 4
#define ROUNDS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static long counter;
static int go;
static __thread int mine;

static void *worker(void *arg)
{
	long id = (long)arg;

	pthread_mutex_lock(&lock);
	while (!go)
		pthread_cond_wait(&ready, &lock);
	pthread_mutex_unlock(&lock);

	for (int i = 0; i < ROUNDS; i++) {
		mine++;
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return (void *)(id * 1000 + mine);
}

int main(void)
{
	pthread_t t[NTHREADS];

	setvbuf(stdout, NULL, _IOLBF, 0);
	mine = -1;
	for (long i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) {
			printf("pthread_create failed\n");
			return 1;
		}
	pthread_mutex_lock(&lock);
	go = 1;
	pthread_cond_broadcast(&ready);
	pthread_mutex_unlock(&lock);

	for (int i = 0; i < NTHREADS; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		printf("thread %d returned %ld\n", i, (long)ret);
	}
	printf("counter %ld (expected %d), main's tls %d\n", counter, NTHREADS * ROUNDS, mine);

	pid_t p = fork();
	if (p == 0) {
		counter = 1;
		printf("child: counter %ld, tls %d\n", counter, mine);
		_exit(0);
	}
	waitpid(p, NULL, 0);
	printf("parent after fork: counter %ld\n", counter);
	return counter == NTHREADS * ROUNDS ? 0 : 1;
}
