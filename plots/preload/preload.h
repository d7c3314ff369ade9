/* What the gnuplot module's files share (plots/preload/). */
#ifndef PMS_PRELOAD_H
#define PMS_PRELOAD_H

/* zlib level of the PNGs' rows: the size of cairo's default (level 6 with
 * libpng's adaptive filters), far faster (png_level.c). */
#define PMS_PNG_LEVEL 3

#endif
