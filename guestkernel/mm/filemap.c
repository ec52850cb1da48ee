/*
 * mm/filemap.c - the page cache.
 *
 * Files live in the initramfs at 4-byte alignment, so their pages cannot be mapped
 * where they lie. The first time a page of a file is mapped read-only (a program's
 * text, a read-only mmap), its bytes are copied to a page-aligned frame that the inode
 * keeps (PG_CACHE); every process mapping that page shares the frame, as on Linux. A
 * private writable mapping gets its own copy instead (and a write to a shared page
 * cache frame copies it first: mm/memory.c).
 *
 * Cached frames are never freed: the archive is read-only and stays in memory anyway.
 * That also means a frame that held code is never reused for other code.
 */
#include <asm/page.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

struct page *find_or_read_page(struct inode *inode, unsigned long index)
{
	unsigned long nr = PAGE_ALIGN(inode->i_size) >> PAGE_SHIFT, off, n;
	struct page *page;

	if (!S_ISREG(inode->i_mode) || index >= nr)
		return NULL;
	if (!inode->i_pages) {
		/* One pointer per page, in one kmalloc object: files up to 4 MiB. */
		if (nr * sizeof(struct page *) > KMALLOC_MAX_SIZE)
			return NULL;
		inode->i_pages = kmalloc(nr * sizeof(struct page *));
		if (!inode->i_pages)
			return NULL;
		inode->i_nrpages = nr;
	}
	page = inode->i_pages[index];
	if (page)
		return page;
	page = alloc_page(PG_CACHE);
	if (!page)
		return NULL;
	off = index << PAGE_SHIFT;
	n = min(PAGE_SIZE, inode->i_size - off);
	memcpy(page_address(page), inode->i_data + off, n);
	memset((char *)page_address(page) + n, 0, PAGE_SIZE - n);
	inode->i_pages[index] = page;
	return page;
}
