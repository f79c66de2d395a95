// qnn library: qnn_input_buffer
//
// Double-banked input buffer of an MVTU (docs/dataflow.md "Input buffer").
// Each bank holds Mw elements of XBits bits. The write side takes InBeats
// beats of InWidth elements per frame (element e of beat b goes to position
// b*InWidth + e, dropped when >= Mw); the read side presents the Simd lanes
// at positions rd_sf_i*Simd + s of bank rbank_q combinationally, positions
// >= Mw reading as PadX, and frees the bank on rd_release_i. wr_abort_i
// qualifies a write beat: a handshake with wr_abort_i = 1 belongs to no
// frame and discards the frame being written (the write position returns
// to 0, nothing completes; the shift register's contents are don't-care
// until the next frame has refilled them). Framed = 1 (MVTU 0, fed by
// qnn_framer) honours wr_abort_i; Framed = 0 ignores it (tie it to 0), so
// the other MVTUs' buffers are exactly as without framing even when
// synthesized without flattening.
module qnn_input_buffer #(
  parameter integer Mw        = 1,
  parameter integer XBits     = 1,
  parameter integer InWidth   = 1,
  parameter integer InBeats   = 1,
  parameter integer Simd      = 1,
  parameter integer Sf        = 1,
  parameter integer SfWidth   = 1,  // must be max(1, $clog2(Sf))
  parameter integer PadX      = 0,
  parameter integer Framed    = 0
) (
  input  wire                     clk_i,
  input  wire                     rst_ni,
  // Write side (valid/ready stream).
  input  wire                     wr_valid_i,
  output wire                     wr_ready_o,
  input  wire [InWidth*XBits-1:0] wr_data_i,
  input  wire                     wr_abort_i,
  // Read side.
  output wire                     rd_full_o,
  input  wire [SfWidth-1:0]       rd_sf_i,
  output wire [Simd*XBits-1:0]    rd_lanes_o,
  input  wire                     rd_release_i
);

  localparam integer BeatWidth = (InBeats > 1) ? $clog2(InBeats) : 1;
  localparam integer Mwp       = Sf * Simd;
  localparam integer LaneBits  = Simd * XBits;

  generate
    if (Mw < 1 || XBits < 1 || InWidth < 1 || InBeats < 1 || Simd < 1 || Sf < 1) begin : gen_check_shape
      qnn_param_error_input_buffer_sizes_must_be_positive u_param_error ();
    end
    if (InWidth * InBeats < Mw) begin : gen_check_beats
      qnn_param_error_input_buffer_beats_do_not_cover_mw u_param_error ();
    end
    if ((InBeats - 1) * InWidth >= Mw) begin : gen_check_last_beat
      qnn_param_error_input_buffer_last_beat_past_mw u_param_error ();
    end
    if (Mwp < Mw) begin : gen_check_folds
      qnn_param_error_input_buffer_sf_times_simd_below_mw u_param_error ();
    end
    if (SfWidth != ((Sf > 1) ? $clog2(Sf) : 1)) begin : gen_check_sf_width
      qnn_param_error_input_buffer_sf_width_must_be_clog2_sf u_param_error ();
    end
    if (PadX < 0 || PadX >= (1 << XBits)) begin : gen_check_pad
      qnn_param_error_input_buffer_pad_element_out_of_range u_param_error ();
    end
    if (Framed != 0 && Framed != 1) begin : gen_check_framed
      qnn_param_error_input_buffer_framed_must_be_0_or_1 u_param_error ();
    end
  endgenerate

  localparam integer         LastBeatIndex = InBeats - 1;
  localparam [BeatWidth-1:0] LastBeat      = LastBeatIndex[BeatWidth-1:0];
  localparam [XBits-1:0]     PadElem       = PadX[XBits-1:0];

  // The two banks of the contract are built as a write side (the frame
  // being written, or a complete frame waiting) and a read buffer (rbuf:
  // the frame being read). The write side is a shift register of beats 0
  // .. InBeats-2 (each beat enters at the top, so after InBeats-1 beats
  // beat b sits at positions b*InWidth +: InWidth) and a register for the
  // last beat. A complete frame moves to rbuf in one cycle, as soon as
  // rbuf is free or being released; the last beat goes straight into rbuf
  // when it completes a frame that can move at once. wfull_q is the
  // contract's full_q[wbank_q] and rfull_q is full_q[rbank_q], so ready,
  // full and the lanes read are cycle for cycle those of two banks; but
  // there is no write-position decoder and no bank multiplexer, and only
  // the last beat's positions have a multiplexer in front of rbuf.
  localparam integer SregElems = (InBeats - 1) * InWidth;  // beats 0 .. InBeats-2
  localparam integer LastElems = Mw - SregElems;           // the last beat's positions < Mw

  reg                 wfull_q, wfull_d;
  reg                 rfull_q, rfull_d;
  reg [BeatWidth-1:0] wpos_q, wpos_d;
  // Data registers (not reset).
  reg  [Mw*XBits-1:0]        rbuf_q;
  wire [Mw*XBits-1:0]        rbuf_d;
  reg  [LastElems*XBits-1:0] wlast_q;
  wire [LastElems*XBits-1:0] wlast_d;

  wire wr_ready = !wfull_q;
  wire wr_hs    = wr_valid_i && wr_ready;
  wire wr_last  = (wpos_q == LastBeat);
  wire abort;                                      // wr_abort_i if Framed, else 0
  wire frame_in = wr_hs && wr_last && !abort;      // a frame's last beat, this cycle
  wire move     = (!rfull_q || rd_release_i) && (wfull_q || frame_in);

  always @(*) begin
    wfull_d = wfull_q;
    rfull_d = rfull_q;
    wpos_d  = wpos_q;
    if (wr_hs) begin
      if (wr_last || abort) begin
        wpos_d = {BeatWidth{1'b0}};
      end else begin
        wpos_d = wpos_q + {{(BeatWidth-1){1'b0}}, 1'b1};
      end
    end
    if (move) begin
      rfull_d = 1'b1;
      wfull_d = 1'b0;
    end else begin
      if (rd_release_i) begin
        rfull_d = 1'b0;
      end
      if (frame_in) begin
        wfull_d = 1'b1;
      end
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      wfull_q <= 1'b0;
      rfull_q <= 1'b0;
      wpos_q  <= {BeatWidth{1'b0}};
    end else begin
      wfull_q <= wfull_d;
      rfull_q <= rfull_d;
      wpos_q  <= wpos_d;
    end
  end

  // Write side and the path into rbuf.
  wire [LastElems*XBits-1:0] last_beat = wr_data_i[LastElems*XBits-1:0];
  wire [LastElems*XBits-1:0] last_src  = frame_in ? last_beat : wlast_q;
  assign wlast_d = frame_in ? last_beat : wlast_q;
  assign rbuf_d[Mw*XBits-1:SregElems*XBits] = move ? last_src : rbuf_q[Mw*XBits-1:SregElems*XBits];

  always @(posedge clk_i) begin
    wlast_q <= wlast_d;
    rbuf_q  <= rbuf_d;
  end

  genvar i;
  generate
    if (Framed != 0) begin : gen_framed
      assign abort = wr_abort_i;
    end else begin : gen_unframed
      assign abort = 1'b0;
      wire unused_wr_abort = wr_abort_i;
    end
    if (InBeats > 1) begin : gen_sreg
      reg  [SregElems*XBits-1:0] sreg_q;
      wire [SregElems*XBits-1:0] sreg_d;
      wire                       shift = wr_hs && !wr_last;
      if (InBeats > 2) begin : gen_shift
        assign sreg_d = shift ? {wr_data_i, sreg_q[SregElems*XBits-1:InWidth*XBits]} : sreg_q;
      end else begin : gen_load
        assign sreg_d = shift ? wr_data_i : sreg_q;
      end
      always @(posedge clk_i) begin
        sreg_q <= sreg_d;
      end
      assign rbuf_d[SregElems*XBits-1:0] = move ? sreg_q : rbuf_q[SregElems*XBits-1:0];
    end
    if (InWidth > LastElems && InBeats == 1) begin : gen_unused_lanes
      // Lanes at positions >= Mw of the only beat: padding of the producer.
      wire unused_wr_lanes = ^wr_data_i[InWidth*XBits-1:LastElems*XBits];
    end
  endgenerate

  // Read: rbuf padded to Sf*Simd elements, lane group rd_sf_i.
  wire [Mwp*XBits-1:0] padded;
  assign padded[Mw*XBits-1:0] = rbuf_q;
  generate
    for (i = Mw; i < Mwp; i = i + 1) begin : gen_pad
      assign padded[i*XBits +: XBits] = PadElem;
    end
  endgenerate

  // Lane group rd_sf_i (rd_sf_i < Sf, so the select stays in range).
  wire [LaneBits-1:0] lanes;
  generate
    if (Sf == 1) begin : gen_one_group
      assign lanes = padded;
      wire unused_rd_sf = ^rd_sf_i;  // the only lane group is 0
    end else begin : gen_groups
      // Per lane an Sf:1 multiplexer over its candidates (element g*Simd +
      // lane of group g; groups past Sf read 0), not a shifter over the
      // whole bank: Yosys maps it to LUT6/MUXF7/8.
      localparam integer Groups = 1 << SfWidth;
      genvar g, e;
      for (i = 0; i < Simd; i = i + 1) begin : gen_lane
        for (e = 0; e < XBits; e = e + 1) begin : gen_bit
          wire [Groups-1:0] cand;
          for (g = 0; g < Groups; g = g + 1) begin : gen_cand
            if (g < Sf) begin : gen_elem
              assign cand[g] = padded[(g*Simd + i)*XBits + e];
            end else begin : gen_none
              assign cand[g] = 1'b0;
            end
          end
          if (SfWidth <= 6) begin : gen_flat
            assign lanes[i*XBits + e] = cand[rd_sf_i];
          end else begin : gen_split
            // Deeper than 64: 64:1 multiplexers on the low six select
            // bits, then one over their outputs (a flat $shiftx this deep
            // maps to about a LUT per candidate; this to about a third).
            localparam integer Parts = Groups / 64;
            genvar h;
            wire [Parts-1:0] part;
            for (h = 0; h < Parts; h = h + 1) begin : gen_part
              wire [63:0] seg = cand[h*64 +: 64];
              assign part[h] = seg[rd_sf_i[5:0]];
            end
            assign lanes[i*XBits + e] = part[rd_sf_i[SfWidth-1:6]];
          end
        end
      end
    end
  endgenerate

  assign wr_ready_o = wr_ready;
  assign rd_full_o  = rfull_q;
  assign rd_lanes_o = lanes;

endmodule
