/*
 * mm/filemap.c - the page cache.
 *
 * A file's bytes live in page frames of kind PG_CACHE, one per 4 KiB of the file, that
 * the inode owns through i_pages (one reference each). A slot without a frame is a
 * hole: it reads as zeros and gets a frame when written. read() and write() copy
 * between these frames and user memory; mappings share them: a read-only or shared
 * mapping maps the frame itself (program text, MAP_SHARED), a private writable one
 * gets its own copy on the first write (mm/memory.c). Truncation drops the frames past
 * the new end, after taking them out of every address space that maps them.
 *
 * i_pages is one kmalloc object, grown by doubling: files up to MAX_FILE_SIZE (4 MiB).
 * A file system may cap the frames its files hold (s_max_blocks: tmpfs's size); at the
 * cap or out of frames a write returns ENOSPC (what tmpfs says when it is full).
 */
#include <asm/page.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

struct page *find_get_page(struct inode *inode, unsigned long index)
{
	if (!inode->i_pages || index >= inode->i_nrpages)
		return NULL;
	return inode->i_pages[index];
}

/* Makes room for slot index in i_pages. */
static int grow_pages(struct inode *inode, unsigned long index)
{
	unsigned long nr = inode->i_nrpages ? inode->i_nrpages : 8;
	struct page **pages;

	if (index < inode->i_nrpages)
		return 0;
	if (index >= MAX_FILE_PAGES)
		return -EFBIG;
	while (nr <= index)
		nr *= 2;
	if (nr > MAX_FILE_PAGES)
		nr = MAX_FILE_PAGES;
	pages = kmalloc(nr * sizeof(struct page *));
	if (!pages)
		return -ENOSPC;
	if (inode->i_pages)
		memcpy(pages, inode->i_pages, inode->i_nrpages * sizeof(struct page *));
	kfree(inode->i_pages);
	inode->i_pages = pages;
	inode->i_nrpages = nr;
	return 0;
}

struct page *find_or_create_page(struct inode *inode, unsigned long index, int *err)
{
	struct page *page = find_get_page(inode, index);
	struct super_block *sb;

	if (page)
		return page;
	*err = grow_pages(inode, index);
	if (*err)
		return NULL;
	sb = inode->i_sb;
	page = sb->s_max_blocks && sb->s_blocks >= sb->s_max_blocks ? NULL : alloc_page(PG_CACHE);
	if (!page) {
		*err = -ENOSPC;
		return NULL;
	}
	memset(page_address(page), 0, PAGE_SIZE);
	sb->s_blocks++;
	inode->i_pages[index] = page;
	return page;
}

/* The frame to map for a page of a file (a hole gets its frame now); NULL past the
 * end of the file or when out of memory. */
struct page *find_or_read_page(struct inode *inode, unsigned long index)
{
	int err;

	if (!S_ISREG(inode->i_mode) || index >= (unsigned long)(PAGE_ALIGN(inode->i_size) >> PAGE_SHIFT))
		return NULL;
	return find_or_create_page(inode, index, &err);
}

/*
 * Takes the file's pages from index first on out of every address space that maps
 * them (private copies too, as Linux's truncate does): touching them again faults, and
 * past the end of the file that is SIGBUS.
 */
static void unmap_mapping_range(struct inode *inode, unsigned long first)
{
	struct mm_struct *mm;
	struct vm_area_struct *vma;

	list_for_each_entry(mm, &mm_list, mmlist)
		for (vma = mm->mmap; vma; vma = vma->vm_next) {
			unsigned long pages = (vma->vm_end - vma->vm_start) >> PAGE_SHIFT, start;

			if (!vma->vm_file || vma->vm_file->f_inode != inode || vma->vm_pgoff + pages <= first)
				continue;
			start = vma->vm_start;
			if (first > vma->vm_pgoff)
				start += (first - vma->vm_pgoff) << PAGE_SHIFT;
			zap_page_range(mm, start, vma->vm_end);
		}
}

static void remove_cache_page(struct inode *inode, unsigned long index)
{
	put_page(inode->i_pages[index]);
	inode->i_pages[index] = NULL;
	inode->i_sb->s_blocks--;
}

/* Drops the frames wholly past size and zeroes the tail of the last one. */
void truncate_inode_pages(struct inode *inode, loff_t size)
{
	unsigned long first = (unsigned long)(PAGE_ALIGN((unsigned long)size) >> PAGE_SHIFT), i;
	unsigned long partial = (unsigned long)size & ~PAGE_MASK;

	if (size < inode->i_size)
		unmap_mapping_range(inode, first);
	for (i = first; i < inode->i_nrpages; i++)
		if (inode->i_pages[i])
			remove_cache_page(inode, i);
	if (partial) {
		struct page *page = find_get_page(inode, (unsigned long)size >> PAGE_SHIFT);

		if (page)
			memset((char *)page_address(page) + partial, 0, PAGE_SIZE - partial);
	}
	if (!size && inode->i_pages) {
		kfree(inode->i_pages);
		inode->i_pages = NULL;
		inode->i_nrpages = 0;
	}
}

long generic_file_read(struct inode *inode, char *buf, size_t count, loff_t *pos)
{
	size_t done = 0;

	if (*pos >= inode->i_size)
		return 0;
	if ((loff_t)count > inode->i_size - *pos)
		count = (size_t)(inode->i_size - *pos);
	while (done < count) {
		unsigned long index = (unsigned long)(*pos >> PAGE_SHIFT);
		unsigned long off = (unsigned long)*pos & ~PAGE_MASK;
		unsigned long n = min(PAGE_SIZE - off, (unsigned long)(count - done));
		struct page *page = find_get_page(inode, index);
		unsigned long left;

		if (page)
			left = copy_to_user(buf + done, (char *)page_address(page) + off, n);
		else
			left = clear_user(buf + done, n);
		done += n - left;
		*pos += (loff_t)(n - left);
		if (left)
			return done ? (long)done : -EFAULT;
	}
	return (long)done;
}

/* Writes at *pos, extending the file; from user memory, or kernel memory for the
 * initramfs and sendfile. Returns what was written, or the error if nothing was. */
long generic_file_write(struct inode *inode, const char *buf, size_t count, loff_t *pos,
			bool user)
{
	size_t done = 0;
	int err = 0;

	if (*pos >= MAX_FILE_SIZE && count)
		return -EFBIG;
	if ((loff_t)count > MAX_FILE_SIZE - *pos)
		count = (size_t)(MAX_FILE_SIZE - *pos);
	while (done < count) {
		unsigned long index = (unsigned long)(*pos >> PAGE_SHIFT);
		unsigned long off = (unsigned long)*pos & ~PAGE_MASK;
		unsigned long n = min(PAGE_SIZE - off, (unsigned long)(count - done)), left = 0;
		struct page *page = find_or_create_page(inode, index, &err);

		if (!page)
			break;
		/* Not copy_from_user: on a fault it would clear the rest of the chunk, and
		 * that is file data. Only what was copied counts. */
		if (!user || ((current->flags & PF_KERNEL_DS) && (unsigned long)buf >= PAGE_OFFSET))
			memcpy((char *)page_address(page) + off, buf + done, n);
		else if (access_ok(buf + done, n))
			left = __copy_user((char *)page_address(page) + off, buf + done, n);
		else
			left = n;
		done += n - left;
		*pos += (loff_t)(n - left);
		if (*pos > inode->i_size)
			inode->i_size = *pos;
		if (left) {
			/* A page this write added past the end and could not fill goes
			 * again: the file does not reach it. */
			if ((loff_t)index << PAGE_SHIFT >= inode->i_size)
				remove_cache_page(inode, index);
			err = -EFAULT;
			break;
		}
	}
	if (done)
		inode_touch(inode, true);
	return done ? (long)done : err;
}
