// qnn library: qnn_input_buffer
//
// Double-banked input buffer of an MVTU (docs/dataflow.md "Input buffer").
// Each bank holds Mw elements of XBits bits. The write side takes InBeats
// beats of InWidth elements per frame (element e of beat b goes to position
// b*InWidth + e, dropped when >= Mw); the read side is a registered read:
// in a cycle with rd_en_i = 1, rd_lanes_o loads the Simd lanes at positions
// rd_sf_i*Simd + s of bank rbank_q (positions >= Mw reading as PadX) and
// holds them while rd_en_i = 0 (the MVTU's stage B lane register). It frees
// the bank on rd_release_i. wr_abort_i
// qualifies a write beat: a handshake with wr_abort_i = 1 belongs to no
// frame and discards the frame being written (the write position returns
// to 0, nothing completes; the bank's contents are don't-care
// until the next frame has refilled them). Framed = 1 (MVTU 0, fed by
// qnn_framer) honours wr_abort_i; Framed = 0 ignores it (tie it to 0), so
// the other MVTUs' buffers are exactly as without framing even when
// synthesized without flattening.
//
// Style is the plan's choice (hw.Layer.InBufStyle): 0 registers (a shift
// register write side and a read buffer, any shape), 1 block RAM, 2 LUT
// RAM. Styles 1 and 2 need InWidth to divide Simd: the banks are then
// Simd/InWidth memories of InWidth elements (one per InWidth-lane group of
// a Simd-lane word), 2 << SfWidth words each (bank in the top address bit),
// written one group per beat and read at {rbank_q, rd_sf_i}. Every style
// has the same ports cycle for cycle; only the cells differ.
module qnn_input_buffer #(
  parameter integer Mw        = 1,
  parameter integer XBits     = 1,
  parameter integer InWidth   = 1,
  parameter integer InBeats   = 1,
  parameter integer Simd      = 1,
  parameter integer Sf        = 1,
  parameter integer SfWidth   = 1,  // must be max(1, $clog2(Sf))
  parameter integer PadX      = 0,
  parameter integer Framed    = 0,
  parameter integer Style     = 0   // 0 registers, 1 block RAM, 2 LUT RAM
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
  input  wire                     rd_en_i,
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
    if (Style < 0 || Style > 2) begin : gen_check_style
      qnn_param_error_input_buffer_style_must_be_0_1_or_2 u_param_error ();
    end
    if (Style != 0 && Simd % InWidth != 0) begin : gen_check_ram_shape
      qnn_param_error_input_buffer_ram_needs_inwidth_dividing_simd u_param_error ();
    end
  endgenerate

  localparam integer         LastBeatIndex = InBeats - 1;
  localparam [BeatWidth-1:0] LastBeat      = LastBeatIndex[BeatWidth-1:0];
  localparam [XBits-1:0]     PadElem       = PadX[XBits-1:0];

  wire abort;  // wr_abort_i if Framed, else 0
  genvar i;
  generate
    if (Framed != 0) begin : gen_framed
      assign abort = wr_abort_i;
    end else begin : gen_unframed
      assign abort = 1'b0;
      wire unused_wr_abort = wr_abort_i;
    end

    if (Style == 0) begin : gen_regs
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

      // Read: rbuf padded to Sf*Simd elements, lane group rd_sf_i.
      wire [Mwp*XBits-1:0] padded;
      assign padded[Mw*XBits-1:0] = rbuf_q;
      for (i = Mw; i < Mwp; i = i + 1) begin : gen_pad
        assign padded[i*XBits +: XBits] = PadElem;
      end

      // Lane group rd_sf_i (rd_sf_i < Sf, so the select stays in range).
      wire [LaneBits-1:0] lanes;
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

      // The read register (the MVTU's stage B lanes).
      reg [LaneBits-1:0] lanes_q;
      always @(posedge clk_i) begin
        if (rd_en_i) begin
          lanes_q <= lanes;
        end
      end

      assign wr_ready_o = wr_ready;
      assign rd_full_o  = rfull_q;
      assign rd_lanes_o = lanes_q;
    end else begin : gen_ram
      // The two banks as memories: full_q, wbank_q and rbank_q are the
      // contract's registers; the write position is kept as the beat
      // (wpos_q, for the frame's end), the word (wword_q) and the lane
      // group within the word (wsub_q).
      localparam integer K         = Simd / InWidth;  // beats per word
      localparam integer KWidth    = (K > 1) ? $clog2(K) : 1;
      localparam integer GroupBits = InWidth * XBits;
      localparam integer Depth     = 2 << SfWidth;
      localparam integer KLastIndex = K - 1;
      localparam [KWidth-1:0]  KLast  = KLastIndex[KWidth-1:0];
      localparam integer       SfLastIndex = Sf - 1;
      localparam [SfWidth-1:0] SfLast = SfLastIndex[SfWidth-1:0];
      localparam integer       PadLane = Mw - (Sf - 1) * Simd;  // the first lane >= Mw of word Sf-1

      reg [1:0]           full_q, full_d;
      reg                 wbank_q, wbank_d;
      reg                 rbank_q, rbank_d;
      reg [BeatWidth-1:0] wpos_q, wpos_d;
      reg [SfWidth-1:0]   wword_q, wword_d;
      reg [KWidth-1:0]    wsub_q, wsub_d;

      wire wr_ready = !(wbank_q ? full_q[1] : full_q[0]);
      wire wr_hs    = wr_valid_i && wr_ready;
      wire wr_last  = (wpos_q == LastBeat);
      wire wr_word  = (K == 1) || (wsub_q == KLast);  // the beat completes its word
      wire frame_in = wr_hs && wr_last && !abort;

      always @(*) begin
        full_d  = full_q;
        wbank_d = wbank_q;
        rbank_d = rbank_q;
        wpos_d  = wpos_q;
        wword_d = wword_q;
        wsub_d  = wsub_q;
        if (wr_hs) begin
          if (wr_last || abort) begin
            wpos_d  = {BeatWidth{1'b0}};
            wword_d = {SfWidth{1'b0}};
            wsub_d  = {KWidth{1'b0}};
          end else begin
            wpos_d = wpos_q + {{(BeatWidth-1){1'b0}}, 1'b1};
            if (wr_word) begin
              wsub_d  = {KWidth{1'b0}};
              wword_d = wword_q + {{(SfWidth-1){1'b0}}, 1'b1};
            end else begin
              wsub_d = wsub_q + {{(KWidth-1){1'b0}}, 1'b1};
            end
          end
        end
        // (Per bank, not full_d[wbank_q]: Yosys builds a dynamic bit
        // index into a shifter with 32-bit arithmetic.)
        if (frame_in) begin
          if (wbank_q) begin
            full_d[1] = 1'b1;
          end else begin
            full_d[0] = 1'b1;
          end
          wbank_d = !wbank_q;
        end
        if (rd_release_i) begin
          if (rbank_q) begin
            full_d[1] = 1'b0;
          end else begin
            full_d[0] = 1'b0;
          end
          rbank_d = !rbank_q;
        end
      end

      always @(posedge clk_i) begin
        if (!rst_ni) begin
          full_q  <= 2'b00;
          wbank_q <= 1'b0;
          rbank_q <= 1'b0;
          wpos_q  <= {BeatWidth{1'b0}};
          wword_q <= {SfWidth{1'b0}};
          wsub_q  <= {KWidth{1'b0}};
        end else begin
          full_q  <= full_d;
          wbank_q <= wbank_d;
          rbank_q <= rbank_d;
          wpos_q  <= wpos_d;
          wword_q <= wword_d;
          wsub_q  <= wsub_d;
        end
      end

      wire [SfWidth:0]    waddr = {wbank_q, wword_q};
      wire [SfWidth:0]    raddr = {rbank_q, rd_sf_i};
      wire [LaneBits-1:0] word;  // the read registers, lane group j at [j*GroupBits +: GroupBits]

      // One memory per lane group: one write port, one synchronous read
      // port (read enable rd_en_i), not reset. The branches differ only in
      // the attribute on the memory: a Verilog-2005 attribute value cannot
      // come from a parameter.
      genvar j;
      for (j = 0; j < K; j = j + 1) begin : gen_group
        localparam integer      SubIndex = j;
        localparam [KWidth-1:0] Sub      = SubIndex[KWidth-1:0];
        wire                    we       = wr_hs && !abort && ((K == 1) || (wsub_q == Sub));
        reg [GroupBits-1:0]     rdata_q;
        if (Style == 1) begin : gen_block
          (* ram_style = "block" *) reg [GroupBits-1:0] mem [0:Depth-1];
          always @(posedge clk_i) begin
            if (we) begin
              mem[waddr] <= wr_data_i;
            end
          end
          always @(posedge clk_i) begin
            if (rd_en_i) begin
              rdata_q <= mem[raddr];
            end
          end
        end else begin : gen_lut
          (* ram_style = "distributed" *) reg [GroupBits-1:0] mem [0:Depth-1];
          always @(posedge clk_i) begin
            if (we) begin
              mem[waddr] <= wr_data_i;
            end
          end
          always @(posedge clk_i) begin
            if (rd_en_i) begin
              rdata_q <= mem[raddr];
            end
          end
        end
        assign word[j*GroupBits +: GroupBits] = rdata_q;
      end

      // Positions >= Mw (lanes PadLane.. of word Sf-1) read as PadX: the
      // read of word Sf-1 is remembered with the data.
      if (PadLane < Simd) begin : gen_pad
        reg pad_q;
        always @(posedge clk_i) begin
          if (rd_en_i) begin
            pad_q <= (rd_sf_i == SfLast);
          end
        end
        for (i = 0; i < Simd; i = i + 1) begin : gen_lane
          if (i < PadLane) begin : gen_data
            assign rd_lanes_o[i*XBits +: XBits] = word[i*XBits +: XBits];
          end else begin : gen_padded
            assign rd_lanes_o[i*XBits +: XBits] = pad_q ? PadElem : word[i*XBits +: XBits];
          end
        end
      end else begin : gen_no_pad
        assign rd_lanes_o = word;
      end

      assign wr_ready_o = wr_ready;
      assign rd_full_o  = rbank_q ? full_q[1] : full_q[0];
    end
  endgenerate

endmodule
