/*
 * fstest: the writable file system, checked the way Linux behaves.
 *
 * `fstest [DIR]` works in a fresh directory fstest.d under DIR (default: the current
 * directory) and removes it at the end: files written, read, extended with holes,
 * truncated; open flags; rename (renameat2 with RENAME_NOREPLACE), link, symlink,
 * readlink, mkdir, rmdir, unlink and their *at forms relative to a directory
 * descriptor; stat, lstat, fstatat64 (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH), statx;
 * chmod, chown (as root), utimensat; sendfile; fsync; statfs; getdents and getdents64
 * while removing entries; a file shared by parent and child after fork (one offset);
 * MAP_SHARED and MAP_PRIVATE mappings of a file; the error cases Linux gives. Every line
 * is deterministic, so the same binary prints the same transcript natively.
 *
 * `fstest --fill DIR` writes 64 KiB files into DIR until the file system is full
 * (ENOSPC), then removes them and reports whether all the memory came back (sysinfo).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* System calls the small libc has no wrapper for: called by number. */
#define NR_link 9
#define NR_chroot 61
#define NR_chmod 15
#define NR_utime 30
#define NR_rename 38
#define NR_symlink 83
#define NR_readlink 85
#define NR_truncate 92
#define NR_ftruncate 93
#define NR_fchmod 94
#define NR_fchdir 133
#define NR_fsync 118
#define NR_sysinfo 116
#define NR_getdents 141
#define NR_fdatasync 148
#define NR_pread64 180
#define NR_pwrite64 181
#define NR_sendfile 187
#define NR_truncate64 193
#define NR_ftruncate64 194
#define NR_fchown32 207
#define NR_chown32 212
#define NR_sendfile64 239
#define NR_statfs64 268
#define NR_fstatfs64 269
#define NR_openat 295
#define NR_mkdirat 296
#define NR_fchownat 298
#define NR_fstatat64 300
#define NR_unlinkat 301
#define NR_renameat 302
#define NR_linkat 303
#define NR_symlinkat 304
#define NR_readlinkat 305
#define NR_fchmodat 306
#define NR_faccessat 307
#define NR_utimensat 320
#define NR_renameat2 353
#define NR_statx 383

#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define UTIME_OMIT ((1L << 30) - 2L)

static int failures;

static long pread(int fd, void *buf, size_t n, long off) { return syscall(NR_pread64, fd, buf, n, off, 0); }
static long pwrite(int fd, const void *buf, size_t n, long off) { return syscall(NR_pwrite64, fd, buf, n, off, 0); }
static int fchdir(int fd) { return syscall(NR_fchdir, fd); }

static void check(int ok, const char *what)
{
	printf("fstest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

/* The call failed with exactly this errno. */
static int fails(long r, int err)
{
	return r == -1 && errno == err;
}

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write(fd, text, strlen(text));
	close(fd);
}

/* The whole file as a string (up to 255 bytes); "" if it cannot be read. */
static const char *get(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	long n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return buf;
}

static long long size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : st.st_size;
}

static unsigned nlink_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) ? 0 : st.st_nlink;
}

static void files_and_holes(void)
{
	int fd = open("a", O_RDWR | O_CREAT | O_EXCL, 0644);
	char buf[64];
	struct stat st;

	check(stat("/tmp", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 01777,
	      "/tmp is a sticky, world-writable directory");
	check(fd >= 0 && write(fd, "hello", 5) == 5, "create and write");
	check(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5),
	      "read back");
	check(lseek(fd, 10000, SEEK_SET) == 10000 && write(fd, "end", 3) == 3 && size_of("a") == 10003,
	      "write past the end extends the file");
	memset(buf, 'x', sizeof(buf));
	check(pread(fd, buf, 16, 4000) == 16 && buf[0] == 0 && buf[15] == 0, "a hole reads as zeros");
	check(lseek(fd, 0, SEEK_END) == 10003 && read(fd, buf, 8) == 0, "read at the end: 0");
	check(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644 && st.st_nlink == 1,
	      "fstat: regular, 0644, one link");
	check(fails(lseek(fd, -1, SEEK_SET), EINVAL), "lseek before the start: EINVAL");
	close(fd);

	check(fails(open("a", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST), "O_CREAT|O_EXCL on a file: EEXIST");
	fd = open("a", O_WRONLY | O_APPEND);
	check(fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 && write(fd, "!", 1) == 1 && size_of("a") == 10004,
	      "O_APPEND writes at the end");
	close(fd);
	fd = open("a", O_RDWR | O_TRUNC);
	check(fd >= 0 && size_of("a") == 0, "O_TRUNC empties the file");
	close(fd);
	check(fails(open("nodir/x", O_CREAT | O_WRONLY, 0644), ENOENT), "create in a missing directory: ENOENT");
	check(fails(open("a/x", O_CREAT | O_WRONLY, 0644), ENOTDIR), "create under a file: ENOTDIR");
	check(fails(open("a", O_RDONLY | O_DIRECTORY), ENOTDIR), "O_DIRECTORY on a file: ENOTDIR");
	check(fails(open(".", O_WRONLY), EISDIR), "a directory for writing: EISDIR");
	check(fails(open("new/", O_CREAT | O_WRONLY, 0644), EISDIR), "O_CREAT with a trailing slash: EISDIR");
	check(fails(open("a/", O_RDONLY), ENOTDIR), "a file with a trailing slash: ENOTDIR");

	umask(027);
	fd = open("masked", O_CREAT | O_WRONLY, 0777);
	check(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0750, "umask applies to new files");
	close(fd);
	umask(022);
	check(unlink("masked") == 0, "unlink");

	/* Big: 1 MiB across 256 pages, read back and compared. */
	static char big[1 << 20];
	for (unsigned i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + (i >> 12));
	fd = open("big", O_RDWR | O_CREAT | O_TRUNC, 0600);
	check(write(fd, big, sizeof(big)) == (long)sizeof(big), "write 1 MiB");
	static char back[1 << 20];
	check(lseek(fd, 0, SEEK_SET) == 0 && read(fd, back, sizeof(back)) == (long)sizeof(back) &&
	      !memcmp(big, back, sizeof(big)), "read 1 MiB back");
	check(fstat(fd, &st) == 0 && st.st_blocks >= 2048, "st_blocks counts the pages");
	close(fd);
	check(unlink("big") == 0 && unlink("a") == 0, "unlink the big file and the first");
}

static void truncation(void)
{
	int fd;
	char buf[16];

	put("t", "0123456789");
	check(syscall(NR_truncate, "t", 4) == 0 && !strcmp(get("t"), "0123"), "truncate shrinks");
	check(syscall(NR_truncate, "t", 8) == 0 && size_of("t") == 8, "truncate grows");
	fd = open("t", O_RDONLY);
	check(read(fd, buf, 16) == 8 && !memcmp(buf, "0123\0\0\0\0", 8), "the grown part reads as zeros");
	check(fails(syscall(NR_ftruncate, fd, 2), EINVAL), "ftruncate of a read-only descriptor: EINVAL");
	close(fd);
	fd = open("t", O_RDWR);
	check(syscall(NR_ftruncate64, fd, 3, 0) == 0 && size_of("t") == 3, "ftruncate64");
	check(fails(syscall(NR_ftruncate, fd, -1), EINVAL), "ftruncate to a negative length: EINVAL");
	close(fd);
	check(syscall(NR_truncate64, "t", 0, 0) == 0 && size_of("t") == 0, "truncate64 to 0");
	fd = open("t", O_WRONLY);
	check(fails(write(fd, (const char *)8, 16), EFAULT) && size_of("t") == 0,
	      "a write from a bad pointer to an empty file: EFAULT, still empty");
	close(fd);
	check(fails(syscall(NR_truncate, ".", 0), EISDIR), "truncate a directory: EISDIR");
	check(fails(syscall(NR_truncate, "nofile", 0), ENOENT), "truncate a missing file: ENOENT");
	unlink("t");
}

static void names(void)
{
	put("f", "data");
	check(syscall(NR_link, "f", "g") == 0 && nlink_of("f") == 2 && nlink_of("g") == 2, "link: two names");
	check(fails(syscall(NR_link, "f", "g"), EEXIST), "link to a taken name: EEXIST");
	check(mkdir("d", 0755) == 0, "mkdir");
	check(fails(syscall(NR_link, "d", "d2"), EPERM), "link a directory: EPERM");
	check(unlink("f") == 0 && !strcmp(get("g"), "data") && nlink_of("g") == 1, "unlink one name, the other stays");

	/* An open file outlives its last name. */
	int fd = open("g", O_RDWR);
	struct stat st;
	char buf[8];
	check(unlink("g") == 0 && fstat(fd, &st) == 0 && st.st_nlink == 0, "open file without names: nlink 0");
	check(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, 8) == 4 && !memcmp(buf, "data", 4),
	      "and still readable");
	close(fd);

	/* Symbolic links. */
	char target[64];
	long n;
	check(syscall(NR_symlink, "d/inside", "ln") == 0, "symlink");
	n = syscall(NR_readlink, "ln", target, sizeof(target));
	check(n == 8 && !memcmp(target, "d/inside", 8), "readlink gives the target, no NUL");
	check(nlink_of("ln") == 1 && lstat("ln", &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 8,
	      "lstat of a link: S_IFLNK, size = target length");
	check(fails(stat("ln", &st), ENOENT), "stat through a dangling link: ENOENT");
	check(fails(open("ln", O_RDONLY | O_NOFOLLOW), ELOOP), "O_NOFOLLOW on a link: ELOOP");
	fd = open("ln", O_WRONLY | O_CREAT, 0644);
	check(fd >= 0 && write(fd, "via", 3) == 3 && !strcmp(get("d/inside"), "via"),
	      "O_CREAT through a dangling link creates its target");
	close(fd);
	check(stat("ln", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 3, "stat follows the link");
	check(fails(syscall(NR_readlink, "d/inside", target, sizeof(target)), EINVAL), "readlink of a file: EINVAL");
	check(syscall(NR_symlink, "loop2", "loop1") == 0 && syscall(NR_symlink, "loop1", "loop2") == 0 &&
	      fails(open("loop1", O_RDONLY), ELOOP), "a loop of links: ELOOP");
	check(syscall(NR_symlink, ".", "self") == 0 && stat("self/self/self/d/inside", &st) == 0,
	      "links in the middle of a path");
	check(fails(syscall(NR_symlink, "", "empty"), ENOENT), "symlink with an empty target: ENOENT");
	unlink("loop1");
	unlink("loop2");
	unlink("self");

	/* Directories. */
	struct stat d;
	check(mkdir("d/sub", 0700) == 0 && stat("d", &d) == 0 && d.st_nlink == 3, "a subdirectory adds a link");
	check(fails(mkdir("d", 0755), EEXIST), "mkdir of a taken name: EEXIST");
	check(fails(mkdir("ln", 0755), EEXIST), "mkdir over a link: EEXIST");
	check(fails(rmdir("d"), ENOTEMPTY), "rmdir of a non-empty directory: ENOTEMPTY");
	check(fails(rmdir("d/inside"), ENOTDIR), "rmdir of a file: ENOTDIR");
	check(fails(rmdir("d/sub/."), EINVAL), "rmdir of \".\": EINVAL");
	check(fails(unlink("d"), EISDIR), "unlink of a directory: EISDIR");
	check(fails(unlink("nofile"), ENOENT), "unlink of a missing name: ENOENT");
	check(mkdir("e/", 0755) == 0 && rmdir("e/") == 0, "mkdir and rmdir with a trailing slash");

	/* Renames. */
	put("r1", "one");
	put("r2", "two");
	check(syscall(NR_rename, "r1", "r2") == 0 && !strcmp(get("r2"), "one") && fails(open("r1", O_RDONLY), ENOENT),
	      "rename over a file replaces it");
	check(syscall(NR_rename, "r2", "d/r3") == 0 && !strcmp(get("d/r3"), "one"), "rename into a directory");
	put("r4", "four");
	check(fails(syscall(NR_renameat2, AT_FDCWD, "r4", AT_FDCWD, "d/r3", RENAME_NOREPLACE), EEXIST),
	      "renameat2 RENAME_NOREPLACE onto a file: EEXIST");
	check(syscall(NR_renameat2, AT_FDCWD, "r4", AT_FDCWD, "r5", RENAME_NOREPLACE) == 0 && !strcmp(get("r5"), "four"),
	      "renameat2 RENAME_NOREPLACE to a free name");
	check(fails(syscall(NR_renameat2, AT_FDCWD, "r5", AT_FDCWD, "r6", 8), EINVAL), "renameat2 unknown flag: EINVAL");
	put("x1", "one");
	put("x2", "two");
	check(syscall(NR_renameat2, AT_FDCWD, "x1", AT_FDCWD, "x2", RENAME_EXCHANGE) == 0 && !strcmp(get("x1"), "two") &&
	      !strcmp(get("x2"), "one"), "renameat2 RENAME_EXCHANGE swaps two files");
	check(syscall(NR_renameat2, AT_FDCWD, "x1", AT_FDCWD, "d/sub", RENAME_EXCHANGE) == 0 && stat("d", &d) == 0 &&
	      d.st_nlink == 2 && stat("x1", &st) == 0 && S_ISDIR(st.st_mode) && nlink_of(".") == 4 &&
	      !strcmp(get("d/sub"), "two"), "RENAME_EXCHANGE of a file and a directory moves the link");
	check(syscall(NR_renameat2, AT_FDCWD, "x1", AT_FDCWD, "d/sub", RENAME_EXCHANGE) == 0 && stat("d", &d) == 0 &&
	      d.st_nlink == 3 && nlink_of(".") == 3, "and back");
	check(fails(syscall(NR_renameat2, AT_FDCWD, "x2", AT_FDCWD, "nofile", RENAME_EXCHANGE), ENOENT),
	      "RENAME_EXCHANGE with a missing name: ENOENT");
	check(fails(syscall(NR_renameat2, AT_FDCWD, "x2", AT_FDCWD, "x1", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL),
	      "RENAME_EXCHANGE with RENAME_NOREPLACE: EINVAL");
	check(fails(syscall(NR_renameat2, AT_FDCWD, "d", AT_FDCWD, "d/sub", RENAME_EXCHANGE), EINVAL),
	      "RENAME_EXCHANGE of a directory with its own subdirectory: EINVAL");
	unlink("x1");
	unlink("x2");
	check(fails(syscall(NR_rename, "d", "d/sub/d"), EINVAL), "rename a directory into itself: EINVAL");
	check(fails(syscall(NR_rename, "r5", "d"), EISDIR), "rename a file over a directory: EISDIR");
	check(fails(syscall(NR_rename, "d/sub", "r5"), ENOTDIR), "rename a directory over a file: ENOTDIR");
	check(mkdir("full", 0755) == 0 && mkdir("full/x", 0755) == 0 && fails(syscall(NR_rename, "d/sub", "full"), ENOTEMPTY),
	      "rename over a non-empty directory: ENOTEMPTY");
	check(mkdir("empty", 0755) == 0 && syscall(NR_rename, "d/sub", "empty") == 0 && stat("d", &d) == 0 &&
	      d.st_nlink == 2, "rename a directory over an empty one: links move");
	check(fails(syscall(NR_rename, "nofile", "x"), ENOENT), "rename a missing name: ENOENT");
	check(syscall(NR_rename, "r5", "r5") == 0 && !strcmp(get("r5"), "four"), "rename to itself");
	check(syscall(NR_link, "r5", "r5b") == 0 && syscall(NR_rename, "r5", "r5b") == 0 && nlink_of("r5") == 2,
	      "rename between two names of one file does nothing");
	check(fails(syscall(NR_rename, "r5/", "r7"), ENOTDIR), "rename a file with a trailing slash: ENOTDIR");
	check(fails(syscall(NR_rename, ".", "x"), EBUSY), "rename \".\": EBUSY");

	/* Names too long, paths too long, bad pointers. */
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = '\0';
	check(fails(open(longname, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG), "a 256-byte name: ENAMETOOLONG");
	static char longpath[5000];
	memset(longpath, 'p', sizeof(longpath) - 1);
	for (int i = 100; i < 4999; i += 101)
		longpath[i] = '/';
	check(fails(open(longpath, O_RDONLY), ENAMETOOLONG), "a 4999-byte path: ENAMETOOLONG");
	check(fails(open((const char *)8, O_RDONLY), EFAULT), "a bad path pointer: EFAULT");
	check(fails(open("", O_RDONLY), ENOENT), "an empty path: ENOENT");
	check(fails(syscall(NR_rename, "r5", (const char *)8), EFAULT), "rename to a bad pointer: EFAULT");

	/* Clean up what this part made. */
	unlink("r5");
	unlink("r5b");
	unlink("ln");
	unlink("d/inside");
	unlink("d/r3");
	rmdir("empty");
	rmdir("full/x");
	rmdir("full");
	check(rmdir("d") == 0, "rmdir of the emptied directory");
}

static void at_calls(void)
{
	struct stat st;
	int dfd = -1, fd, filefd;

	check(mkdir("at", 0755) == 0 && (dfd = open("at", O_RDONLY | O_DIRECTORY)) >= 0, "open a directory");
	fd = syscall(NR_openat, dfd, "f", O_WRONLY | O_CREAT, 0600);
	check(fd >= 0 && write(fd, "at!", 3) == 3 && !strcmp(get("at/f"), "at!"), "openat relative to a directory");
	close(fd);
	check(syscall(NR_mkdirat, dfd, "sub", 0700) == 0 && stat("at/sub", &st) == 0 && S_ISDIR(st.st_mode),
	      "mkdirat");
	check(syscall(NR_symlinkat, "f", dfd, "l") == 0, "symlinkat");
	char buf[16];
	check(syscall(NR_readlinkat, dfd, "l", buf, sizeof(buf)) == 1 && buf[0] == 'f', "readlinkat");
	check(syscall(NR_fstatat64, dfd, "l", &st, 0) == 0 && S_ISREG(st.st_mode) && st.st_size == 3,
	      "fstatat64 follows links");
	check(syscall(NR_fstatat64, dfd, "l", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode),
	      "fstatat64 AT_SYMLINK_NOFOLLOW");
	filefd = open("at/f", O_RDONLY);
	check(syscall(NR_fstatat64, filefd, "", &st, AT_EMPTY_PATH) == 0 && S_ISREG(st.st_mode) && st.st_size == 3,
	      "fstatat64 AT_EMPTY_PATH: the descriptor itself");
	check(fails(syscall(NR_fstatat64, filefd, "", &st, 0), ENOENT), "an empty path without AT_EMPTY_PATH: ENOENT");
	check(fails(syscall(NR_fstatat64, filefd, "x", &st, 0), ENOTDIR), "relative to a file: ENOTDIR");
	check(fails(syscall(NR_fstatat64, 99, "x", &st, 0), EBADF), "relative to a closed descriptor: EBADF");
	check(syscall(NR_fstatat64, 99, "/", &st, 0) == 0, "an absolute path ignores the descriptor");
	check(fails(syscall(NR_fstatat64, dfd, "f", &st, 0x8000), EINVAL), "fstatat64 unknown flag: EINVAL");
	check(syscall(NR_linkat, dfd, "f", AT_FDCWD, "at/f2", 0) == 0 && nlink_of("at/f") == 2, "linkat");
	check(syscall(NR_linkat, dfd, "l", dfd, "l2", 0) == 0 && nlink_of("at/l") == 2, "linkat links the link itself");
	check(syscall(NR_linkat, dfd, "l", dfd, "f3", AT_SYMLINK_FOLLOW) == 0 && nlink_of("at/f") == 3,
	      "linkat AT_SYMLINK_FOLLOW links the target");
	check(syscall(NR_renameat, dfd, "f3", AT_FDCWD, "at/sub/f4") == 0 && nlink_of("at/sub/f4") == 3, "renameat");
	check(syscall(NR_faccessat, dfd, "f", 4 /* R_OK */, 0) == 0, "faccessat");
	check(fails(syscall(NR_faccessat, dfd, "nofile", 0, 0), ENOENT), "faccessat of a missing name: ENOENT");
	check(syscall(NR_fchmodat, dfd, "f", 0600, 0) == 0 && stat("at/f", &st) == 0 && (st.st_mode & 0777) == 0600,
	      "fchmodat");
	check(fails(syscall(NR_unlinkat, dfd, "sub", 0), EISDIR), "unlinkat of a directory: EISDIR");
	check(fails(syscall(NR_unlinkat, dfd, "f", AT_REMOVEDIR), ENOTDIR), "unlinkat AT_REMOVEDIR of a file: ENOTDIR");
	check(fails(syscall(NR_unlinkat, dfd, "f", 0x1), EINVAL), "unlinkat unknown flag: EINVAL");
	check(syscall(NR_unlinkat, dfd, "sub/f4", 0) == 0 && syscall(NR_unlinkat, dfd, "sub", AT_REMOVEDIR) == 0,
	      "unlinkat and unlinkat AT_REMOVEDIR");

	/* statx agrees with fstat. */
	struct {
		unsigned mask, blksize;
		unsigned long long attributes;
		unsigned nlink, uid, gid;
		unsigned short mode, spare0;
		unsigned long long ino, size, blocks, attributes_mask;
		unsigned char rest[256 - 64];
	} sx;
	struct stat fst;
	check(fstat(filefd, &fst) == 0 && syscall(NR_statx, dfd, "f", 0, 0x7ff, &sx) == 0 &&
	      (sx.mask & 0x7ff) == 0x7ff && sx.size == 3 && sx.nlink == fst.st_nlink && sx.mode == fst.st_mode &&
	      sx.ino == fst.st_ino, "statx agrees with fstat");
	check(syscall(NR_statx, dfd, "l", AT_SYMLINK_NOFOLLOW, 0x7ff, &sx) == 0 && (sx.mode & 0170000) == 0120000,
	      "statx AT_SYMLINK_NOFOLLOW");
	check(fails(syscall(NR_statx, dfd, "f", 0, 0x80000000u, &sx), EINVAL), "statx reserved mask bit: EINVAL");
	close(filefd);

	/* fchdir, getcwd, and a working directory that goes away. */
	char cwd[256], back[256];
	getcwd(back, sizeof(back));
	check(fchdir(dfd) == 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd + strlen(cwd) - 3, "/at"),
	      "fchdir and getcwd");
	check(mkdir("gone", 0755) == 0 && chdir("gone") == 0 && rmdir("../gone") == 0, "rmdir of the working directory");
	check(getcwd(cwd, sizeof(cwd)) == NULL && errno == ENOENT, "getcwd after it went: ENOENT");
	check(fails(open("x", O_CREAT | O_WRONLY, 0644), ENOENT), "creating in a removed directory: ENOENT");
	check(chdir(back) == 0, "chdir back");
	close(dfd);
	unlink("at/f");
	unlink("at/f2");
	unlink("at/l");
	unlink("at/l2");
	check(rmdir("at") == 0, "the directory is empty again");
}

static void attributes(void)
{
	struct stat st;
	int fd;

	put("m", "x");
	check(syscall(NR_chmod, "m", 04751) == 0 && stat("m", &st) == 0 && (st.st_mode & 07777) == 04751, "chmod");
	fd = open("m", O_RDONLY);
	check(syscall(NR_fchmod, fd, 0640) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0640, "fchmod");
	if (geteuid() == 0) {
		check(syscall(NR_chown32, "m", 1234, 567) == 0 && stat("m", &st) == 0 && st.st_uid == 1234 &&
		      st.st_gid == 567, "chown (root)");
		check(syscall(NR_fchown32, fd, -1, 0) == 0 && fstat(fd, &st) == 0 && st.st_uid == 1234 && st.st_gid == 0,
		      "fchown, -1 keeps the owner");
		check(syscall(NR_fchownat, AT_FDCWD, "m", 0, -1, 0) == 0 && stat("m", &st) == 0 && st.st_uid == 0,
		      "fchownat");
		int status;
		pid_t pid = fork();
		if (pid == 0)   /* "/" is now this directory; ".." stays there */
			_exit(!(syscall(NR_chroot, ".") == 0 && !strcmp(get("/m"), "x") && chdir("/..") == 0 &&
				!strcmp(get("m"), "x")));
		waitpid(pid, &status, 0);
		check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "chroot (root), in a child");
	} else {
		printf("fstest: chown: not root, skipped\n");
	}
	close(fd);

	/* Times: set, omitted, and moved by writes and attribute changes. */
	struct timespec ts[2] = { { 1000000000, 5 }, { 1100000000, 7 } };
	check(syscall(NR_utimensat, AT_FDCWD, "m", ts, 0) == 0 && stat("m", &st) == 0 && st.st_atim.tv_sec == 1000000000 &&
	      st.st_atim.tv_nsec == 5 && st.st_mtim.tv_sec == 1100000000 && st.st_mtim.tv_nsec == 7,
	      "utimensat sets both times");
	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 1200000000, 0 } };
	check(syscall(NR_utimensat, AT_FDCWD, "m", omit, 0) == 0 && stat("m", &st) == 0 &&
	      st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1200000000, "UTIME_OMIT keeps one");
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	check(fails(syscall(NR_utimensat, AT_FDCWD, "m", bad, 0), EINVAL), "utimensat bad nanoseconds: EINVAL");
	long ut[2] = { 900000000, 950000000 };
	check(syscall(NR_utime, "m", ut) == 0 && stat("m", &st) == 0 && st.st_atim.tv_sec == 900000000 &&
	      st.st_mtim.tv_sec == 950000000 && st.st_mtim.tv_nsec == 0, "utime");
	long t0 = time(NULL) - 1;   /* file times come from the coarse clock */
	fd = open("m", O_WRONLY);
	check(write(fd, "y", 1) == 1 && fstat(fd, &st) == 0 && st.st_mtim.tv_sec >= t0 && st.st_mtim.tv_sec < t0 + 60 &&
	      st.st_ctim.tv_sec == st.st_mtim.tv_sec, "a write moves mtime and ctime to now");
	check(syscall(NR_utimensat, fd, NULL, ts, 0) == 0 && fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 1100000000,
	      "utimensat on a descriptor (futimens)");
	close(fd);
	check(syscall(NR_utimensat, AT_FDCWD, "m", NULL, 0) == 0 && stat("m", &st) == 0 &&
	      st.st_mtim.tv_sec >= t0 && st.st_mtim.tv_sec < t0 + 60 && st.st_atim.tv_sec == st.st_mtim.tv_sec,
	      "utimensat NULL: both now");
	unlink("m");
}

static void transfers(void)
{
	int fd, out, p[2];
	char buf[32];
	long long off64;
	long off;

	put("src", "0123456789abcdef");
	fd = open("src", O_RDONLY);
	pipe(p);
	check(syscall(NR_sendfile, p[1], fd, NULL, 4) == 4 && read(p[0], buf, sizeof(buf)) == 4 && !memcmp(buf, "0123", 4),
	      "sendfile to a pipe");
	check(lseek(fd, 0, SEEK_CUR) == 4, "sendfile moves the file offset");
	off = 10;
	check(syscall(NR_sendfile, p[1], fd, &off, 100) == 6 && off == 16 && lseek(fd, 0, SEEK_CUR) == 4 &&
	      read(p[0], buf, sizeof(buf)) == 6 && !memcmp(buf, "abcdef", 6), "sendfile with an offset leaves the file's");
	out = open("dst", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	off64 = 2;
	check(syscall(NR_sendfile64, out, fd, &off64, 5) == 5 && off64 == 7 && !strcmp(get("dst"), "23456"),
	      "sendfile64 to a file");
	check(fails(syscall(NR_sendfile, out, p[0], NULL, 4), EINVAL), "sendfile from a pipe: EINVAL");
	check(fails(syscall(NR_sendfile, fd, out, NULL, 4), EBADF), "sendfile from a write-only file: EBADF");
	check(syscall(NR_fsync, out) == 0 && syscall(NR_fdatasync, out) == 0, "fsync and fdatasync");
	check(fails(syscall(NR_fsync, p[0]), EINVAL), "fsync of a pipe: EINVAL");
	check(syscall(NR_pwrite64, out, "ZZ", 2, 1, 0) == 2 && !strcmp(get("dst"), "2ZZ56") && lseek(out, 0, SEEK_CUR) == 5,
	      "pwrite64 leaves the offset");
	check(fails(syscall(NR_pread64, p[0], buf, 1, 0, 0), ESPIPE), "pread64 on a pipe: ESPIPE");

	struct {
		unsigned type, bsize;
		unsigned long long blocks, bfree, bavail, files, ffree;
		int fsid[2];
		unsigned namelen, frsize, flags, spare[4];
	} __attribute__((packed)) sfs;
	check(syscall(NR_statfs64, ".", sizeof(sfs), &sfs) == 0 && sfs.namelen == 255 && sfs.bsize > 0 &&
	      sfs.bfree <= sfs.blocks, "statfs64");
	check(syscall(NR_fstatfs64, fd, sizeof(sfs), &sfs) == 0 && sfs.namelen == 255, "fstatfs64");
	close(p[0]);
	close(p[1]);
	close(fd);
	close(out);
	unlink("src");
	unlink("dst");
}

/* Lists a directory through getdents (old) or getdents64 with a small buffer, removing
 * each entry as it is seen: every name must show up exactly once. */
static void listing(int old)
{
	char name[16], buf[100];
	int seen[20] = { 0 }, dots = 0, others = 0, fd;
	long n;

	mkdir("ls", 0755);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "ls/file%02d", i);
		put(name, "");
	}
	fd = open("ls", O_RDONLY | O_DIRECTORY);
	while ((n = syscall(old ? NR_getdents : SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			const char *dname;
			unsigned short reclen;
			if (old) {
				reclen = *(unsigned short *)(buf + off + 8);
				dname = buf + off + 10;
			} else {
				reclen = *(unsigned short *)(buf + off + 16);
				dname = buf + off + 19;
			}
			int i;
			if (!strcmp(dname, ".") || !strcmp(dname, ".."))
				dots++;
			else if (!strncmp(dname, "file", 4) && (i = atoi(dname + 4)) >= 0 && i < 20) {
				seen[i]++;
				snprintf(name, sizeof(name), "ls/%s", dname);
				unlink(name);
			} else
				others++;
			off += reclen;
		}
	}
	int once = 1;
	for (int i = 0; i < 20; i++)
		once &= seen[i] == 1;
	printf("fstest: %s while removing: %d dot entries, every name once: %s, others %d\n",
	       old ? "getdents" : "getdents64", dots, once ? "yes" : "no", others);
	if (!once || dots != 2 || others)
		failures++;
	check(fails(syscall(SYS_getdents64, fd, buf, 10), EINVAL) || n == 0, "a buffer too small for one entry");
	close(fd);
	check(rmdir("ls") == 0, "the listed directory is empty");
}

static void shared_offset(void)
{
	int fd = open("shared", O_RDWR | O_CREAT | O_TRUNC, 0644), status;
	pid_t pid;

	write(fd, "A", 1);
	pid = fork();
	if (pid == 0) {
		write(fd, "B", 1);
		lseek(fd, 10, SEEK_SET);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	check(lseek(fd, 0, SEEK_CUR) == 10, "the child's lseek moves the parent's offset");
	lseek(fd, 2, SEEK_SET);
	write(fd, "C", 1);
	check(!strcmp(get("shared"), "ABC"), "parent and child wrote one after the other: ABC");
	close(fd);

	/* Through the shell's way: both append to one description. */
	fd = open("shared", O_WRONLY | O_APPEND);
	pid = fork();
	if (pid == 0) {
		write(fd, "child\n", 6);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	write(fd, "parent\n", 7);
	close(fd);
	check(!strcmp(get("shared"), "ABCchild\nparent\n"), "appends from both");
	unlink("shared");
}

static void mappings(void)
{
	int fd = open("map", O_RDWR | O_CREAT | O_TRUNC, 0644), status;
	char *shared, *priv, buf[8];
	pid_t pid;

	write(fd, "abcdefgh", 8);
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(shared != MAP_FAILED && priv != MAP_FAILED, "map a file shared and private");
	shared[0] = 'X';
	check(pread(fd, buf, 1, 0) == 1 && buf[0] == 'X', "a store through MAP_SHARED reaches the file");
	priv[1] = 'Y';
	check(pread(fd, buf, 2, 0) == 2 && buf[1] == 'b' && shared[1] == 'b', "a store through MAP_PRIVATE does not");
	pwrite(fd, "W", 1, 2);
	check(shared[2] == 'W', "a write() shows in the shared mapping");
	pid = fork();
	if (pid == 0) {
		shared[3] = 'K';
		_exit(0);
	}
	waitpid(pid, &status, 0);
	check(shared[3] == 'K' && !strcmp(get("map"), "XbWKefgh"), "a child's store through the shared mapping");
	pid = fork();
	if (pid == 0) {
		volatile char c = shared[4096 - 1];   /* in the page: fine */
		(void)c;
		char *two = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
		c = two[4096];                        /* past the end of the file */
		_exit(0);
	}
	waitpid(pid, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS, "touching a shared page past the end: SIGBUS");
	pid = fork();
	if (pid == 0) {
		char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		two[4096] = 1;                        /* a private mapping: the same */
		_exit(0);
	}
	waitpid(pid, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS, "and a private page past the end: SIGBUS");

	/* Truncation takes the pages out of the mappings. */
	check(syscall(NR_ftruncate, fd, 0) == 0, "ftruncate a mapped file to 0");
	pid = fork();
	if (pid == 0) {
		volatile char c = shared[0];
		(void)c;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS, "its mapped page is gone: SIGBUS");
	check(syscall(NR_ftruncate, fd, 8) == 0 && shared[0] == 0 && shared[7] == 0 && priv[1] == 0,
	      "grown again: zeros in both mappings");
	shared[0] = 'S';
	check(pread(fd, buf, 1, 0) == 1 && buf[0] == 'S', "and the shared one writes the file again");
	munmap(shared, 4096);
	munmap(priv, 4096);
	close(fd);
	fd = open("map", O_RDONLY);
	check(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EACCES,
	      "MAP_SHARED writable of a read-only descriptor: EACCES");
	shared = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	check(shared != MAP_FAILED && fails(mprotect(shared, 4096, PROT_READ | PROT_WRITE), EACCES),
	      "and mprotect cannot make it writable: EACCES");
	munmap(shared, 4096);
	close(fd);
	unlink("map");
}

static long free_ram(void)
{
	struct {
		long uptime;
		unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
		unsigned short procs, pad;
		unsigned long totalhigh, freehigh;
		unsigned mem_unit;
		char f[8];
	} si;
	return syscall(NR_sysinfo, &si) ? -1 : (long)si.freeram;
}

static int fill(const char *dir)
{
	static char chunk[65536];
	char name[64];
	int files = 0, err = 0;
	long before, after;

	memset(chunk, 'f', sizeof(chunk));
	snprintf(name, sizeof(name), "fill%d", files);   /* anything first used here, */
	if (chdir(dir)) {
		perror(dir);
		return 1;
	}
	strerror(ENOSPC);                                  /* is there before counting */
	errno = 0;                                         /* errno's page too */
	before = free_ram();
	for (;;) {
		snprintf(name, sizeof(name), "fill%d", files);
		int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			err = errno;
			break;
		}
		files++;
		long n = write(fd, chunk, sizeof(chunk));
		if (n < (long)sizeof(chunk)) {
			if (n < 0)
				err = errno;
			else if (write(fd, chunk, sizeof(chunk) - n) < 0)
				err = errno;
			close(fd);
			break;
		}
		close(fd);
	}
	for (int i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "fill%d", i);
		unlink(name);
	}
	after = free_ram();   /* before printing: stdout's buffer comes from the heap */
	printf("fill: %s after more than 10 files: %s\n", strerror(err), files > 10 ? "yes" : "no");
	printf("fill: all memory back after removing them: %s\n", after == before ? "yes" : "no");
	if (after != before)
		printf("fill: %ld pages free before, %ld after\n", before, after);
	return err != ENOSPC || files <= 10 || after != before;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--fill"))
		return fill(argv[2]);
	if (argc > 1 && chdir(argv[1])) {
		perror(argv[1]);
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);   /* lines in order with the children's */
	if (mkdir("fstest.d", 0755) || chdir("fstest.d")) {
		perror("fstest.d");
		return 1;
	}
	files_and_holes();
	truncation();
	names();
	at_calls();
	attributes();
	transfers();
	listing(0);
	listing(1);
	shared_offset();
	mappings();
	check(chdir("..") == 0 && rmdir("fstest.d") == 0, "everything removed");
	printf("fstest: %s\n", failures ? "FAILED" : "all ok");
	return failures != 0;
}
