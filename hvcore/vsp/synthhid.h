/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The synthhid VSP's mouse as the guest sees it: the HID report descriptor
 * hvcore sends and the layout of the input reports it describes (shared with
 * the unit tests, which decode what reaches the fake guest).
 */
#ifndef HVCORE_VSP_SYNTHHID_H
#define HVCORE_VSP_SYNTHHID_H

#include <stddef.h>
#include <stdint.h>

/*
 * One input report, no report ID:
 *   byte 0     buttons, bit 0 left, 1 right, 2 middle, 3 side, 4 extra
 *   bytes 1-2  X, absolute 0..SYNTHHID_ABS_MAX, little-endian
 *   bytes 3-4  Y, likewise
 *   byte 5     wheel, relative, signed -127..127
 */
#define SYNTHHID_REPORT_SIZE	6
#define SYNTHHID_ABS_MAX	32767
#define SYNTHHID_WHEEL_MAX	127
#define SYNTHHID_NR_BUTTONS	5

extern const uint8_t synthhid_report_desc[];
extern const size_t synthhid_report_desc_len;

#endif
