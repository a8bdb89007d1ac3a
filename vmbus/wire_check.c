// SPDX-License-Identifier: GPL-2.0-only
/*
 * Build-time proof that the wire formats in include/hvis/ agree with the
 * kernel's own <linux/hyperv.h> wherever both define the same structure or
 * value: a mismatch fails the build instead of corrupting a ring or message.
 *
 * Only layout is compared (sizes and field offsets): bit-fields, which
 * offsetof cannot name, are checked through their neighbours.  Everything
 * here must hold for every kernel hvis builds for (6.1 and 6.12).
 */
#include <linux/build_bug.h>
#include <linux/hyperv.h>
#include <linux/stddef.h>

#include <hvis/ring.h>
#include <hvis/vmbus_msg.h>

/* Same size, and field @a of @k at the offset of field @b of @h. */
#define WIRE_SIZE(k, h) \
	static_assert(sizeof(k) == sizeof(h), #k " vs " #h)
#define WIRE_FIELD(k, a, h, b) \
	static_assert(offsetof(k, a) == offsetof(h, b), #k "." #a " vs " #h "." #b)
#define WIRE_VALUE(k, h) static_assert((k) == (h), #k " vs " #h)

/* Ring control page. */
WIRE_SIZE(struct hv_ring_buffer, struct hvis_ring_ctl);
WIRE_FIELD(struct hv_ring_buffer, write_index, struct hvis_ring_ctl, write_index);
WIRE_FIELD(struct hv_ring_buffer, read_index, struct hvis_ring_ctl, read_index);
WIRE_FIELD(struct hv_ring_buffer, interrupt_mask,
	   struct hvis_ring_ctl, interrupt_mask);
WIRE_FIELD(struct hv_ring_buffer, pending_send_sz,
	   struct hvis_ring_ctl, pending_send_sz);
WIRE_FIELD(struct hv_ring_buffer, feature_bits,
	   struct hvis_ring_ctl, feature_bits);
static_assert(offsetof(struct hv_ring_buffer, buffer) == HVIS_RING_CTL_SIZE);

/* Packets. */
WIRE_SIZE(struct vmpacket_descriptor, struct hvis_vmpacket_desc);
WIRE_FIELD(struct vmpacket_descriptor, type, struct hvis_vmpacket_desc, type);
WIRE_FIELD(struct vmpacket_descriptor, offset8,
	   struct hvis_vmpacket_desc, offset8);
WIRE_FIELD(struct vmpacket_descriptor, len8, struct hvis_vmpacket_desc, len8);
WIRE_FIELD(struct vmpacket_descriptor, flags, struct hvis_vmpacket_desc, flags);
WIRE_FIELD(struct vmpacket_descriptor, trans_id,
	   struct hvis_vmpacket_desc, trans_id);

WIRE_SIZE(struct vmtransfer_page_range, struct hvis_xfer_page_range);
WIRE_FIELD(struct vmtransfer_page_range, byte_count,
	   struct hvis_xfer_page_range, byte_count);
WIRE_FIELD(struct vmtransfer_page_range, byte_offset,
	   struct hvis_xfer_page_range, byte_offset);

/* 6.1 spells the range array ranges[1], 6.12 ranges[]: compare the start. */
static_assert(offsetof(struct vmtransfer_page_packet_header, ranges) ==
	      sizeof(struct hvis_xfer_page_header));
WIRE_FIELD(struct vmtransfer_page_packet_header, xfer_pageset_id,
	   struct hvis_xfer_page_header, xfer_pageset_id);
WIRE_FIELD(struct vmtransfer_page_packet_header, sender_owns_set,
	   struct hvis_xfer_page_header, sender_owns_set);
WIRE_FIELD(struct vmtransfer_page_packet_header, range_cnt,
	   struct hvis_xfer_page_header, range_count);
WIRE_FIELD(struct vmtransfer_page_packet_header, ranges,
	   struct hvis_xfer_page_header, ranges);

WIRE_SIZE(struct gpa_range, struct hvis_gpa_range);
WIRE_FIELD(struct gpa_range, byte_count, struct hvis_gpa_range, byte_count);
WIRE_FIELD(struct gpa_range, byte_offset, struct hvis_gpa_range, byte_offset);
WIRE_FIELD(struct gpa_range, pfn_array, struct hvis_gpa_range, pfn);

/* vmdata_gpa_direct carries range[1]; ours ends before the ranges. */
WIRE_FIELD(struct vmdata_gpa_direct, reserved,
	   struct hvis_gpa_direct_header, reserved);
WIRE_FIELD(struct vmdata_gpa_direct, range_cnt,
	   struct hvis_gpa_direct_header, range_count);
static_assert(offsetof(struct vmdata_gpa_direct, range) ==
	      sizeof(struct hvis_gpa_direct_header));
static_assert(offsetof(struct vmbus_channel_packet_page_buffer, range) ==
	      sizeof(struct hvis_gpa_direct_header));
static_assert(offsetof(struct vmbus_packet_mpb_array, range) ==
	      sizeof(struct hvis_gpa_direct_header));

WIRE_SIZE(struct hv_page_buffer, struct hvis_page_buffer);
WIRE_FIELD(struct hv_page_buffer, len, struct hvis_page_buffer, len);
WIRE_FIELD(struct hv_page_buffer, offset, struct hvis_page_buffer, offset);
WIRE_FIELD(struct hv_page_buffer, pfn, struct hvis_page_buffer, pfn);

WIRE_SIZE(struct hv_mpb_array, struct hvis_mpb_array);
WIRE_FIELD(struct hv_mpb_array, len, struct hvis_mpb_array, len);
WIRE_FIELD(struct hv_mpb_array, offset, struct hvis_mpb_array, offset);
WIRE_FIELD(struct hv_mpb_array, pfn_array, struct hvis_mpb_array, pfn);

WIRE_VALUE(VM_PKT_INVALID, HVIS_VMPKT_INVALID);
WIRE_VALUE(VM_PKT_SYNCH, HVIS_VMPKT_SYNCH);
WIRE_VALUE(VM_PKT_ADD_XFER_PAGESET, HVIS_VMPKT_ADD_XFER_PAGESET);
WIRE_VALUE(VM_PKT_RM_XFER_PAGESET, HVIS_VMPKT_RM_XFER_PAGESET);
WIRE_VALUE(VM_PKT_ESTABLISH_GPADL, HVIS_VMPKT_ESTABLISH_GPADL);
WIRE_VALUE(VM_PKT_TEARDOWN_GPADL, HVIS_VMPKT_TEARDOWN_GPADL);
WIRE_VALUE(VM_PKT_DATA_INBAND, HVIS_VMPKT_DATA_INBAND);
WIRE_VALUE(VM_PKT_DATA_USING_XFER_PAGES, HVIS_VMPKT_DATA_USING_XFER_PAGES);
WIRE_VALUE(VM_PKT_DATA_USING_GPADL, HVIS_VMPKT_DATA_USING_GPADL);
WIRE_VALUE(VM_PKT_DATA_USING_GPA_DIRECT, HVIS_VMPKT_DATA_USING_GPA_DIRECT);
WIRE_VALUE(VM_PKT_CANCEL_REQUEST, HVIS_VMPKT_CANCEL_REQUEST);
WIRE_VALUE(VM_PKT_COMP, HVIS_VMPKT_COMP);
WIRE_VALUE(VM_PKT_DATA_USING_ADDITIONAL_PKT,
	   HVIS_VMPKT_DATA_USING_ADDITIONAL_PKT);
WIRE_VALUE(VM_PKT_ADDITIONAL_DATA, HVIS_VMPKT_ADDITIONAL_DATA);
WIRE_VALUE(VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED,
	   HVIS_VMPKT_FLAG_COMPLETION_REQUESTED);

/* Channel messages. */
WIRE_SIZE(struct vmbus_channel_message_header, struct hvis_chmsg_header);
WIRE_FIELD(struct vmbus_channel_message_header, msgtype,
	   struct hvis_chmsg_header, msgtype);
WIRE_SIZE(guid_t, struct hvis_guid);

WIRE_SIZE(struct vmbus_channel_offer, struct hvis_channel_offer);
WIRE_FIELD(struct vmbus_channel_offer, if_type, struct hvis_channel_offer, if_type);
WIRE_FIELD(struct vmbus_channel_offer, if_instance,
	   struct hvis_channel_offer, if_instance);
WIRE_FIELD(struct vmbus_channel_offer, chn_flags,
	   struct hvis_channel_offer, chn_flags);
WIRE_FIELD(struct vmbus_channel_offer, mmio_megabytes,
	   struct hvis_channel_offer, mmio_megabytes);
WIRE_FIELD(struct vmbus_channel_offer, u.std.user_def,
	   struct hvis_channel_offer, user_def);
WIRE_FIELD(struct vmbus_channel_offer, u.pipe.pipe_mode,
	   struct hvis_channel_offer, user_def);
WIRE_FIELD(struct vmbus_channel_offer, sub_channel_index,
	   struct hvis_channel_offer, sub_channel_index);
WIRE_VALUE(MAX_USER_DEFINED_BYTES, HVIS_OFFER_USER_DEFINED_BYTES);
WIRE_VALUE(MAX_PIPE_USER_DEFINED_BYTES, HVIS_OFFER_PIPE_USER_DEFINED_BYTES);
WIRE_VALUE(VMBUS_CHANNEL_ENUMERATE_DEVICE_INTERFACE,
	   HVIS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE);
WIRE_VALUE(VMBUS_CHANNEL_SERVER_SUPPORTS_TRANSFER_PAGES,
	   HVIS_OFFER_FLAG_SERVER_TRANSFER_PAGES);
WIRE_VALUE(VMBUS_CHANNEL_SERVER_SUPPORTS_GPADLS, HVIS_OFFER_FLAG_SERVER_GPADLS);
WIRE_VALUE(VMBUS_CHANNEL_NAMED_PIPE_MODE, HVIS_OFFER_FLAG_NAMED_PIPE_MODE);
WIRE_VALUE(VMBUS_CHANNEL_LOOPBACK_OFFER, HVIS_OFFER_FLAG_LOOPBACK);
WIRE_VALUE(VMBUS_CHANNEL_PARENT_OFFER, HVIS_OFFER_FLAG_PARENT);
WIRE_VALUE(VMBUS_CHANNEL_REQUEST_MONITORED_NOTIFICATION,
	   HVIS_OFFER_FLAG_REQUEST_MONITORED);
WIRE_VALUE(VMBUS_CHANNEL_TLNPI_PROVIDER_OFFER, HVIS_OFFER_FLAG_TLNPI_PROVIDER);

/* monitor_allocated and is_dedicated_interrupt are bit-fields: check around. */
WIRE_SIZE(struct vmbus_channel_offer_channel, struct hvis_chmsg_offer);
WIRE_FIELD(struct vmbus_channel_offer_channel, offer,
	   struct hvis_chmsg_offer, offer);
WIRE_FIELD(struct vmbus_channel_offer_channel, child_relid,
	   struct hvis_chmsg_offer, child_relid);
WIRE_FIELD(struct vmbus_channel_offer_channel, monitorid,
	   struct hvis_chmsg_offer, monitor_id);
WIRE_FIELD(struct vmbus_channel_offer_channel, connection_id,
	   struct hvis_chmsg_offer, connection_id);
static_assert(offsetof(struct hvis_chmsg_offer, monitor_flags) ==
	      offsetof(struct vmbus_channel_offer_channel, monitorid) + 1);
static_assert(offsetof(struct hvis_chmsg_offer, interrupt_flags) ==
	      offsetof(struct vmbus_channel_offer_channel, monitorid) + 2);

WIRE_SIZE(struct vmbus_channel_rescind_offer, struct hvis_chmsg_relid);
WIRE_FIELD(struct vmbus_channel_rescind_offer, child_relid,
	   struct hvis_chmsg_relid, child_relid);
WIRE_SIZE(struct vmbus_channel_close_channel, struct hvis_chmsg_relid);
WIRE_FIELD(struct vmbus_channel_close_channel, child_relid,
	   struct hvis_chmsg_relid, child_relid);
WIRE_SIZE(struct vmbus_channel_relid_released, struct hvis_chmsg_relid);
WIRE_FIELD(struct vmbus_channel_relid_released, child_relid,
	   struct hvis_chmsg_relid, child_relid);

WIRE_SIZE(struct vmbus_channel_open_channel, struct hvis_chmsg_open);
WIRE_FIELD(struct vmbus_channel_open_channel, child_relid,
	   struct hvis_chmsg_open, child_relid);
WIRE_FIELD(struct vmbus_channel_open_channel, openid,
	   struct hvis_chmsg_open, open_id);
WIRE_FIELD(struct vmbus_channel_open_channel, ringbuffer_gpadlhandle,
	   struct hvis_chmsg_open, ring_gpadl);
WIRE_FIELD(struct vmbus_channel_open_channel, target_vp,
	   struct hvis_chmsg_open, target_vp);
WIRE_FIELD(struct vmbus_channel_open_channel, downstream_ringbuffer_pageoffset,
	   struct hvis_chmsg_open, downstream_page_offset);
WIRE_FIELD(struct vmbus_channel_open_channel, userdata,
	   struct hvis_chmsg_open, user_data);

WIRE_SIZE(struct vmbus_channel_open_result, struct hvis_chmsg_open_result);
WIRE_FIELD(struct vmbus_channel_open_result, child_relid,
	   struct hvis_chmsg_open_result, child_relid);
WIRE_FIELD(struct vmbus_channel_open_result, openid,
	   struct hvis_chmsg_open_result, open_id);
WIRE_FIELD(struct vmbus_channel_open_result, status,
	   struct hvis_chmsg_open_result, status);

WIRE_SIZE(struct vmbus_channel_gpadl_header, struct hvis_chmsg_gpadl_header);
WIRE_FIELD(struct vmbus_channel_gpadl_header, child_relid,
	   struct hvis_chmsg_gpadl_header, child_relid);
WIRE_FIELD(struct vmbus_channel_gpadl_header, gpadl,
	   struct hvis_chmsg_gpadl_header, gpadl);
WIRE_FIELD(struct vmbus_channel_gpadl_header, range_buflen,
	   struct hvis_chmsg_gpadl_header, range_buflen);
WIRE_FIELD(struct vmbus_channel_gpadl_header, rangecount,
	   struct hvis_chmsg_gpadl_header, range_count);
WIRE_FIELD(struct vmbus_channel_gpadl_header, range,
	   struct hvis_chmsg_gpadl_header, range);

WIRE_SIZE(struct vmbus_channel_gpadl_body, struct hvis_chmsg_gpadl_body);
WIRE_FIELD(struct vmbus_channel_gpadl_body, msgnumber,
	   struct hvis_chmsg_gpadl_body, msg_number);
WIRE_FIELD(struct vmbus_channel_gpadl_body, gpadl,
	   struct hvis_chmsg_gpadl_body, gpadl);
WIRE_FIELD(struct vmbus_channel_gpadl_body, pfn,
	   struct hvis_chmsg_gpadl_body, pfn);

WIRE_SIZE(struct vmbus_channel_gpadl_created, struct hvis_chmsg_gpadl_created);
WIRE_FIELD(struct vmbus_channel_gpadl_created, child_relid,
	   struct hvis_chmsg_gpadl_created, child_relid);
WIRE_FIELD(struct vmbus_channel_gpadl_created, gpadl,
	   struct hvis_chmsg_gpadl_created, gpadl);
WIRE_FIELD(struct vmbus_channel_gpadl_created, creation_status,
	   struct hvis_chmsg_gpadl_created, creation_status);

WIRE_SIZE(struct vmbus_channel_gpadl_teardown,
	  struct hvis_chmsg_gpadl_teardown);
WIRE_FIELD(struct vmbus_channel_gpadl_teardown, child_relid,
	   struct hvis_chmsg_gpadl_teardown, child_relid);
WIRE_FIELD(struct vmbus_channel_gpadl_teardown, gpadl,
	   struct hvis_chmsg_gpadl_teardown, gpadl);

WIRE_SIZE(struct vmbus_channel_gpadl_torndown,
	  struct hvis_chmsg_gpadl_torndown);
WIRE_FIELD(struct vmbus_channel_gpadl_torndown, gpadl,
	   struct hvis_chmsg_gpadl_torndown, gpadl);

/* msg_vtl exists only in 6.12; the union is checked as a whole. */
WIRE_SIZE(struct vmbus_channel_initiate_contact,
	  struct hvis_chmsg_initiate_contact);
WIRE_FIELD(struct vmbus_channel_initiate_contact, vmbus_version_requested,
	   struct hvis_chmsg_initiate_contact, version_requested);
WIRE_FIELD(struct vmbus_channel_initiate_contact, target_vcpu,
	   struct hvis_chmsg_initiate_contact, target_vcpu);
WIRE_FIELD(struct vmbus_channel_initiate_contact, interrupt_page,
	   struct hvis_chmsg_initiate_contact, interrupt_page);
WIRE_FIELD(struct vmbus_channel_initiate_contact, msg_sint,
	   struct hvis_chmsg_initiate_contact, msg_sint);
WIRE_FIELD(struct vmbus_channel_initiate_contact, monitor_page1,
	   struct hvis_chmsg_initiate_contact, monitor_page1);
WIRE_FIELD(struct vmbus_channel_initiate_contact, monitor_page2,
	   struct hvis_chmsg_initiate_contact, monitor_page2);

WIRE_SIZE(struct vmbus_channel_version_response,
	  struct hvis_chmsg_version_response);
WIRE_FIELD(struct vmbus_channel_version_response, version_supported,
	   struct hvis_chmsg_version_response, version_supported);
WIRE_FIELD(struct vmbus_channel_version_response, connection_state,
	   struct hvis_chmsg_version_response, connection_state);
WIRE_FIELD(struct vmbus_channel_version_response, msg_conn_id,
	   struct hvis_chmsg_version_response, msg_conn_id);

WIRE_SIZE(struct vmbus_channel_tl_connect_request,
	  struct hvis_chmsg_tl_connect_request);
WIRE_FIELD(struct vmbus_channel_tl_connect_request, guest_endpoint_id,
	   struct hvis_chmsg_tl_connect_request, guest_endpoint_id);
WIRE_FIELD(struct vmbus_channel_tl_connect_request, host_service_id,
	   struct hvis_chmsg_tl_connect_request, host_service_id);

WIRE_SIZE(struct vmbus_channel_modifychannel, struct hvis_chmsg_modifychannel);
WIRE_FIELD(struct vmbus_channel_modifychannel, child_relid,
	   struct hvis_chmsg_modifychannel, child_relid);
WIRE_FIELD(struct vmbus_channel_modifychannel, target_vp,
	   struct hvis_chmsg_modifychannel, target_vp);

WIRE_SIZE(struct vmbus_channel_modifychannel_response,
	  struct hvis_chmsg_modifychannel_response);
WIRE_FIELD(struct vmbus_channel_modifychannel_response, child_relid,
	   struct hvis_chmsg_modifychannel_response, child_relid);
WIRE_FIELD(struct vmbus_channel_modifychannel_response, status,
	   struct hvis_chmsg_modifychannel_response, status);

WIRE_VALUE(CHANNELMSG_INVALID, HVIS_CHMSG_INVALID);
WIRE_VALUE(CHANNELMSG_OFFERCHANNEL, HVIS_CHMSG_OFFERCHANNEL);
WIRE_VALUE(CHANNELMSG_RESCIND_CHANNELOFFER, HVIS_CHMSG_RESCIND_CHANNELOFFER);
WIRE_VALUE(CHANNELMSG_REQUESTOFFERS, HVIS_CHMSG_REQUESTOFFERS);
WIRE_VALUE(CHANNELMSG_ALLOFFERS_DELIVERED, HVIS_CHMSG_ALLOFFERS_DELIVERED);
WIRE_VALUE(CHANNELMSG_OPENCHANNEL, HVIS_CHMSG_OPENCHANNEL);
WIRE_VALUE(CHANNELMSG_OPENCHANNEL_RESULT, HVIS_CHMSG_OPENCHANNEL_RESULT);
WIRE_VALUE(CHANNELMSG_CLOSECHANNEL, HVIS_CHMSG_CLOSECHANNEL);
WIRE_VALUE(CHANNELMSG_GPADL_HEADER, HVIS_CHMSG_GPADL_HEADER);
WIRE_VALUE(CHANNELMSG_GPADL_BODY, HVIS_CHMSG_GPADL_BODY);
WIRE_VALUE(CHANNELMSG_GPADL_CREATED, HVIS_CHMSG_GPADL_CREATED);
WIRE_VALUE(CHANNELMSG_GPADL_TEARDOWN, HVIS_CHMSG_GPADL_TEARDOWN);
WIRE_VALUE(CHANNELMSG_GPADL_TORNDOWN, HVIS_CHMSG_GPADL_TORNDOWN);
WIRE_VALUE(CHANNELMSG_RELID_RELEASED, HVIS_CHMSG_RELID_RELEASED);
WIRE_VALUE(CHANNELMSG_INITIATE_CONTACT, HVIS_CHMSG_INITIATE_CONTACT);
WIRE_VALUE(CHANNELMSG_VERSION_RESPONSE, HVIS_CHMSG_VERSION_RESPONSE);
WIRE_VALUE(CHANNELMSG_UNLOAD, HVIS_CHMSG_UNLOAD);
WIRE_VALUE(CHANNELMSG_UNLOAD_RESPONSE, HVIS_CHMSG_UNLOAD_RESPONSE);
WIRE_VALUE(CHANNELMSG_TL_CONNECT_REQUEST, HVIS_CHMSG_TL_CONNECT_REQUEST);
WIRE_VALUE(CHANNELMSG_MODIFYCHANNEL, HVIS_CHMSG_MODIFYCHANNEL);
WIRE_VALUE(CHANNELMSG_TL_CONNECT_RESULT, HVIS_CHMSG_TL_CONNECT_RESULT);
WIRE_VALUE(CHANNELMSG_MODIFYCHANNEL_RESPONSE,
	   HVIS_CHMSG_MODIFYCHANNEL_RESPONSE);
WIRE_VALUE(CHANNELMSG_COUNT, HVIS_CHMSG_COUNT);

WIRE_VALUE(VERSION_WS2008, HVIS_VMBUS_VERSION_WS2008);
WIRE_VALUE(VERSION_WIN7, HVIS_VMBUS_VERSION_WIN7);
WIRE_VALUE(VERSION_WIN8, HVIS_VMBUS_VERSION_WIN8);
WIRE_VALUE(VERSION_WIN8_1, HVIS_VMBUS_VERSION_WIN8_1);
WIRE_VALUE(VERSION_WIN10, HVIS_VMBUS_VERSION_WIN10);
WIRE_VALUE(VERSION_WIN10_V4_1, HVIS_VMBUS_VERSION_WIN10_V4_1);
WIRE_VALUE(VERSION_WIN10_V5, HVIS_VMBUS_VERSION_WIN10_V5);
WIRE_VALUE(VERSION_WIN10_V5_1, HVIS_VMBUS_VERSION_WIN10_V5_1);
WIRE_VALUE(VERSION_WIN10_V5_2, HVIS_VMBUS_VERSION_WIN10_V5_2);
WIRE_VALUE(VERSION_WIN10_V5_3, HVIS_VMBUS_VERSION_WIN10_V5_3);
