/* dirent.h: reading directories through getdents64 (dirent.c). struct dirent is the
 * kernel's linux_dirent64, so readdir returns entries straight out of its buffer. */
#ifndef _DIRENT_H
#define _DIRENT_H

#include <sys/types.h>

struct dirent {
	unsigned long long d_ino;
	long long d_off;          /* opaque cookie of the next entry */
	unsigned short d_reclen;  /* size of this record in the buffer */
	unsigned char d_type;     /* DT_* or DT_UNKNOWN */
	char d_name[256];         /* NUL-terminated; the record may be shorter */
};

#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12

typedef struct libc_dir DIR; /* opaque; defined in dirent.c */

DIR *opendir(const char *path);
struct dirent *readdir(DIR *dir);
int closedir(DIR *dir);
int dirfd(DIR *dir);
void rewinddir(DIR *dir);

/* The raw syscall: fills buf with linux_dirent64 records; 0 at the end. */
ssize_t getdents64(int fd, void *buf, size_t size);

#endif
