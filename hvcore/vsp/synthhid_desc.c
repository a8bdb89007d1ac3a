// SPDX-License-Identifier: GPL-2.0-only
/* The HID report descriptor of hvcore's synthetic mouse: absolute X/Y, five buttons, a wheel. */
#include "synthhid.h"

/*
 * Absolute coordinates over 0..32767, as Hyper-V's mouse reports them, so
 * a guest maps the host's pointer position without acceleration.  The
 * first bytes match the layout Linux's hid-hyperv patches (byte 14 is Usage
 * Maximum here, written correctly: its fix-up leaves it alone).
 */
const uint8_t synthhid_report_desc[] = {
	0x05, 0x01,		/* Usage Page (Generic Desktop) */
	0x09, 0x02,		/* Usage (Mouse) */
	0xa1, 0x01,		/* Collection (Application) */
	0x09, 0x01,		/*  Usage (Pointer) */
	0xa1, 0x00,		/*  Collection (Physical) */
	0x05, 0x09,		/*   Usage Page (Button) */
	0x19, 0x01,		/*   Usage Minimum (1) */
	0x29, SYNTHHID_NR_BUTTONS,	/*   Usage Maximum (5) */
	0x15, 0x00,		/*   Logical Minimum (0) */
	0x25, 0x01,		/*   Logical Maximum (1) */
	0x95, SYNTHHID_NR_BUTTONS,	/*   Report Count (5) */
	0x75, 0x01,		/*   Report Size (1) */
	0x81, 0x02,		/*   Input (Data, Variable, Absolute) */
	0x95, 0x01,		/*   Report Count (1) */
	0x75, 8 - SYNTHHID_NR_BUTTONS,	/*   Report Size (3): padding */
	0x81, 0x01,		/*   Input (Constant) */
	0x05, 0x01,		/*   Usage Page (Generic Desktop) */
	0x09, 0x30,		/*   Usage (X) */
	0x09, 0x31,		/*   Usage (Y) */
	0x15, 0x00,		/*   Logical Minimum (0) */
	0x26, SYNTHHID_ABS_MAX & 0xff, SYNTHHID_ABS_MAX >> 8,
				/*   Logical Maximum (32767) */
	0x75, 0x10,		/*   Report Size (16) */
	0x95, 0x02,		/*   Report Count (2) */
	0x81, 0x02,		/*   Input (Data, Variable, Absolute) */
	0x09, 0x38,		/*   Usage (Wheel) */
	0x15, 0x81,		/*   Logical Minimum (-127) */
	0x25, 0x7f,		/*   Logical Maximum (127) */
	0x75, 0x08,		/*   Report Size (8) */
	0x95, 0x01,		/*   Report Count (1) */
	0x81, 0x06,		/*   Input (Data, Variable, Relative) */
	0xc0,			/*  End Collection */
	0xc0,			/* End Collection */
};

const size_t synthhid_report_desc_len = sizeof(synthhid_report_desc);
