/* ls: list directories, one name per line, sorted by byte value. Names starting with
 * '.' are hidden unless -a is given. With several arguments each listing gets a
 * "name:" heading, as in ls. A non-directory argument is printed as it is. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 0 on success, 1 if the directory could not be read. */
static int list(const char *path, int all)
{
	DIR *dir = opendir(path);
	if (!dir) {
		if (errno == ENOTDIR) {
			printf("%s\n", path);
			return 0;
		}
		fprintf(stderr, "ls: cannot access '%s': %s\n", path, strerror(errno));
		return 1;
	}

	char **names = NULL;
	size_t count = 0, cap = 0;
	struct dirent *d;
	errno = 0;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.' && !all)
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			char **bigger = realloc(names, cap * sizeof(*names));
			if (!bigger) {
				fprintf(stderr, "ls: out of memory\n");
				exit(2);
			}
			names = bigger;
		}
		names[count] = strdup(d->d_name);
		if (!names[count]) {
			fprintf(stderr, "ls: out of memory\n");
			exit(2);
		}
		count++;
		errno = 0;
	}
	int status = 0;
	if (errno) {
		fprintf(stderr, "ls: reading directory '%s': %s\n", path, strerror(errno));
		status = 1;
	}
	closedir(dir);

	qsort(names, count, sizeof(*names), by_name);
	for (size_t i = 0; i < count; i++) {
		puts(names[i]);
		free(names[i]);
	}
	free(names);
	return status;
}

int main(int argc, char **argv)
{
	int all = 0, first = 1;

	if (argc > 1 && strcmp(argv[1], "-a") == 0) {
		all = 1;
		first = 2;
	}
	if (first == argc)
		return list(".", all);

	int status = 0;
	for (int i = first; i < argc; i++) {
		if (argc - first > 1)
			printf("%s%s:\n", i > first ? "\n" : "", argv[i]);
		status |= list(argv[i], all);
	}
	return status;
}
