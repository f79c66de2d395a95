// qnn library: qnn_swg
//
// Sliding-window generator (docs/conv-hardware.md "qnn_swg as built"). The
// input is a pixel stream of H*W pixels of C elements, Simd elements of
// XBits bits per beat (C/Simd beats per pixel, raster order). A writer puts
// the beats into a line buffer of Rows >= Kh input rows (the plan's default
// Kh + Stride; a circular buffer: the row after slot Rows-1 goes to slot 0,
// across frames); a
// reader issues, for each output pixel in raster order, the Kh*Kw*C/Simd
// beats of its window in (kh, kw, channel group) order, positions outside
// the input reading PadElem in every lane. The reader issues a window once
// the last input row it reads is written; the writer writes a row once it
// is less than Rows rows past the lowest row the reader still needs. A
// synchronous-read memory and the output register follow the reader, both
// enabled by en = !out_valid_q || out_ready_i.
module qnn_swg #(
  parameter integer C         = 1,
  parameter integer H         = 1,
  parameter integer W         = 1,
  parameter integer Kh        = 1,
  parameter integer Kw        = 1,
  parameter integer Stride    = 1,
  parameter integer PadTop    = 0,
  parameter integer PadBottom = 0,
  parameter integer PadLeft   = 0,
  parameter integer PadRight  = 0,
  parameter integer PadElem   = 0,
  parameter integer Simd      = 1,
  parameter integer XBits     = 1,
  parameter integer Rows      = 2,  // line buffer rows, >= Kh; Kh + Stride by default
  parameter integer Style     = 0   // line buffer: 0 tool's choice, 1 block RAM, 2 LUT RAM
) (
  input  wire                  clk_i,
  input  wire                  rst_ni,
  input  wire                  in_valid_i,
  output wire                  in_ready_o,
  input  wire [Simd*XBits-1:0] in_data_i,
  output wire                  out_valid_o,
  input  wire                  out_ready_i,
  output wire [Simd*XBits-1:0] out_data_o
);

  localparam integer Groups   = (Simd > 0) ? C / Simd : 1;
  localparam integer RowWords = W * Groups;
  localparam integer Depth    = Rows * RowWords;
  localparam integer Oh       = (Stride > 0) ? (H + PadTop + PadBottom - Kh) / Stride + 1 : 1;
  localparam integer Ow       = (Stride > 0) ? (W + PadLeft + PadRight - Kw) / Stride + 1 : 1;

  generate
    if (C < 1 || H < 1 || W < 1 || Kh < 1 || Kw < 1 || Stride < 1 || Simd < 1 || XBits < 1) begin : gen_check_shape
      qnn_param_error_swg_sizes_must_be_positive u_param_error ();
    end
    if (C % Simd != 0) begin : gen_check_simd
      qnn_param_error_swg_simd_must_divide_c u_param_error ();
    end
    if (PadTop < 0 || PadBottom < 0 || PadLeft < 0 || PadRight < 0 ||
        PadTop >= Kh || PadBottom >= Kh || PadLeft >= Kw || PadRight >= Kw) begin : gen_check_pad
      qnn_param_error_swg_padding_must_be_below_kernel u_param_error ();
    end
    if (H + PadTop + PadBottom < Kh || W + PadLeft + PadRight < Kw) begin : gen_check_fit
      qnn_param_error_swg_kernel_does_not_fit_input u_param_error ();
    end
    if (Style < 0 || Style > 2) begin : gen_check_style
      qnn_param_error_swg_style_must_be_0_1_or_2 u_param_error ();
    end
    if (Rows < Kh) begin : gen_check_rows
      qnn_param_error_swg_rows_below_kernel_height u_param_error ();
    end
    if (PadElem < 0 || (XBits < 31 && PadElem >= (1 << XBits))) begin : gen_check_pad_elem
      qnn_param_error_swg_pad_element_out_of_range u_param_error ();
    end
  endgenerate

  function integer clog2_min1(input integer n);
    begin
      clog2_min1 = (n > 1) ? $clog2(n) : 1;
    end
  endfunction

  // Coordinates and the row difference are signed CoordWidth-bit values:
  // ih0 in [-PadTop, H-1], iw0 in [-PadLeft, W-1], ahead in
  // [-Stride, H+Rows], kernel offsets below Kh, Kw.
  localparam integer CoordWidth = clog2_min1(H + W + Kh + Kw + Rows + Stride + 2) + 2;
  localparam integer AddrWidth  = clog2_min1(Depth);
  localparam integer SlotWidth  = clog2_min1(Rows);
  localparam integer ColWidth   = clog2_min1(RowWords);
  localparam integer KhWidth    = clog2_min1(Kh);
  localparam integer KwWidth    = clog2_min1(Kw);
  localparam integer GWidth     = clog2_min1(Groups);
  localparam integer LaneBits   = Simd * XBits;

  // Constants at their widths (integer localparams first where they are
  // expressions).
  localparam integer ZeroInt      = 0;
  localparam integer OneInt       = 1;
  localparam integer HLastInt     = H - 1;
  localparam integer KhLastInt    = Kh - 1;
  localparam integer KwLastInt    = Kw - 1;
  localparam integer GLastInt     = Groups - 1;
  localparam integer SlotLastInt  = Rows - 1;
  localparam integer ColLastInt   = RowWords - 1;
  localparam integer Ih0InitInt   = -PadTop;
  localparam integer Iw0InitInt   = -PadLeft;
  localparam integer LastIh0Int   = (Oh - 1) * Stride - PadTop;   // ih0 of the last output row
  localparam integer LastIw0Int   = (Ow - 1) * Stride - PadLeft;  // iw0 of the last output column
  localparam integer RowStepInt   = Stride % Rows;                // slot step per output row
  localparam integer FrameStepInt = ((H - (Oh - 1) * Stride) % Rows + Rows) % Rows;  // to the next frame
  localparam integer S0InitInt    = (Rows - PadTop) % Rows;       // slot of row -PadTop
  localparam signed [CoordWidth-1:0] Zero      = ZeroInt[CoordWidth-1:0];
  localparam signed [CoordWidth-1:0] One       = OneInt[CoordWidth-1:0];
  localparam signed [CoordWidth-1:0] HW        = H[CoordWidth-1:0];
  localparam signed [CoordWidth-1:0] WW        = W[CoordWidth-1:0];
  localparam signed [CoordWidth-1:0] HLast     = HLastInt[CoordWidth-1:0];
  localparam signed [CoordWidth-1:0] KhLast    = KhLastInt[CoordWidth-1:0];
  localparam signed [CoordWidth-1:0] RowsW     = Rows[CoordWidth-1:0];
  localparam signed [CoordWidth-1:0] StrideW   = Stride[CoordWidth-1:0];
  localparam signed [CoordWidth-1:0] Ih0Init   = Ih0InitInt[CoordWidth-1:0];
  localparam signed [CoordWidth-1:0] Iw0Init   = Iw0InitInt[CoordWidth-1:0];
  localparam signed [CoordWidth-1:0] LastIh0   = LastIh0Int[CoordWidth-1:0];
  localparam signed [CoordWidth-1:0] LastIw0   = LastIw0Int[CoordWidth-1:0];
  localparam [SlotWidth-1:0]        SlotLast  = SlotLastInt[SlotWidth-1:0];
  localparam [SlotWidth:0]          RowsS     = Rows[SlotWidth:0];
  localparam [SlotWidth:0]          RowStep   = RowStepInt[SlotWidth:0];
  localparam [SlotWidth:0]          FrameStep = FrameStepInt[SlotWidth:0];
  localparam [SlotWidth-1:0]        S0Init    = S0InitInt[SlotWidth-1:0];
  localparam [ColWidth-1:0]         ColLast   = ColLastInt[ColWidth-1:0];
  localparam [KhWidth-1:0]          KhLastU   = KhLastInt[KhWidth-1:0];
  localparam [KwWidth-1:0]          KwLastU   = KwLastInt[KwWidth-1:0];
  localparam [GWidth-1:0]           GLast     = GLastInt[GWidth-1:0];
  localparam [AddrWidth-1:0]        RowWordsA = RowWords[AddrWidth-1:0];
  localparam [AddrWidth-1:0]        GroupsA   = Groups[AddrWidth-1:0];
  localparam [XBits-1:0]             PadX      = PadElem[XBits-1:0];

  // Control registers (reset).
  reg [SlotWidth-1:0]         wslot_q, wslot_d;
  reg [ColWidth-1:0]          wcol_q, wcol_d;
  reg signed [CoordWidth-1:0] ahead_q, ahead_d;
  reg signed [CoordWidth-1:0] ih0_q, ih0_d;
  reg signed [CoordWidth-1:0] iw0_q, iw0_d;
  reg [KhWidth-1:0]           kh_q, kh_d;
  reg [KwWidth-1:0]           kw_q, kw_d;
  reg [GWidth-1:0]            cg_q, cg_d;
  reg [SlotWidth-1:0]         s0_q, s0_d;
  reg                         v1_q, out_valid_q;
  wire                        v1_d, out_valid_d;
  // Data registers (not reset).
  reg                         pad1_q;
  reg [LaneBits-1:0]          rdata_q, out_data_q;

  wire en = !out_valid_q || out_ready_i;

  // Reader: the window position and whether its last input row is written.
  wire signed [CoordWidth-1:0] kh_s   = $signed({{(CoordWidth-KhWidth){1'b0}}, kh_q});
  wire signed [CoordWidth-1:0] kw_s   = $signed({{(CoordWidth-KwWidth){1'b0}}, kw_q});
  wire signed [CoordWidth-1:0] ih     = ih0_q + kh_s;
  wire signed [CoordWidth-1:0] iw     = iw0_q + kw_s;
  wire                         in_frame = (ih >= Zero) && (ih < HW) && (iw >= Zero) && (iw < WW);
  wire signed [CoordWidth-1:0] need_b = ih0_q + KhLast;
  wire signed [CoordWidth-1:0] need   = (need_b > HLast) ? HLast : need_b;
  wire                         issue  = en && (ahead_q > need);
  wire signed [CoordWidth-1:0] low    = (ih0_q > Zero) ? ih0_q : Zero;

  // Writer: the row being written is less than Rows past the lowest row
  // the reader needs (registers only).
  wire in_ready = (ahead_q - low) < RowsW;
  wire in_hs    = in_valid_i && in_ready;
  wire row_done = in_hs && (wcol_q == ColLast);

  // Read address: slot of input row ih, word iw*Groups + cg (0 outside).
  wire [SlotWidth:0]   slot_sum = {1'b0, s0_q} + {{(SlotWidth+1-KhWidth){1'b0}}, kh_q};
  wire [SlotWidth:0]   slot_w   = (slot_sum >= RowsS) ? slot_sum - RowsS : slot_sum;
  wire [SlotWidth-1:0] slot     = slot_w[SlotWidth-1:0];
  wire [CoordWidth+AddrWidth-1:0] iw_ext = {{AddrWidth{1'b0}}, iw};  // iw >= 0 where it is used
  wire [AddrWidth-1:0] iw_a     = iw_ext[AddrWidth-1:0];
  wire [AddrWidth-1:0] raddr    = in_frame ? {{(AddrWidth-SlotWidth){1'b0}}, slot} * RowWordsA + iw_a * GroupsA +
                                           {{(AddrWidth-GWidth){1'b0}}, cg_q}
                                         : {AddrWidth{1'b0}};
  wire [AddrWidth-1:0] waddr    = {{(AddrWidth-SlotWidth){1'b0}}, wslot_q} * RowWordsA +
                                  {{(AddrWidth-ColWidth){1'b0}}, wcol_q};
  wire unused_addr = ^{iw_ext[CoordWidth+AddrWidth-1:AddrWidth], slot_w[SlotWidth]};

  // Reader counters: channel group, kw, kh, then the window's column and
  // row; the end of a frame returns to the first window and moves the
  // slot of row ih0 by the frame's remaining rows.
  reg frame_done;
  always @(*) begin
    ih0_d = ih0_q;
    iw0_d = iw0_q;
    kh_d  = kh_q;
    kw_d  = kw_q;
    cg_d  = cg_q;
    s0_d  = s0_q;
    frame_done = 1'b0;
    if (issue) begin
      cg_d = cg_q + {{(GWidth-1){1'b0}}, 1'b1};
      if (cg_q == GLast) begin
        cg_d = {GWidth{1'b0}};
        kw_d = kw_q + {{(KwWidth-1){1'b0}}, 1'b1};
        if (kw_q == KwLastU) begin
          kw_d = {KwWidth{1'b0}};
          kh_d = kh_q + {{(KhWidth-1){1'b0}}, 1'b1};
          if (kh_q == KhLastU) begin
            kh_d = {KhWidth{1'b0}};
            iw0_d = iw0_q + StrideW;
            if (iw0_q == LastIw0) begin
              iw0_d = Iw0Init;
              ih0_d = ih0_q + StrideW;
              s0_d  = slot_add(s0_q, RowStep);
              if (ih0_q == LastIh0) begin
                ih0_d = Ih0Init;
                s0_d  = slot_add(s0_q, FrameStep);
                frame_done = 1'b1;
              end
            end
          end
        end
      end
    end
  end

  function [SlotWidth-1:0] slot_add(input [SlotWidth-1:0] s, input [SlotWidth:0] step);
    reg [SlotWidth:0] sum;
    begin
      sum = {1'b0, s} + step;
      if (sum >= RowsS) sum = sum - RowsS;
      slot_add = sum[SlotWidth-1:0];
    end
  endfunction

  assign v1_d        = en ? issue : v1_q;
  assign out_valid_d = en ? v1_q : out_valid_q;

  // Writer counters and the row difference.
  always @(*) begin
    wslot_d = wslot_q;
    wcol_d  = wcol_q;
    ahead_d = ahead_q;
    if (in_hs) begin
      wcol_d = wcol_q + {{(ColWidth-1){1'b0}}, 1'b1};
      if (row_done) begin
        wcol_d  = {ColWidth{1'b0}};
        wslot_d = (wslot_q == SlotLast) ? {SlotWidth{1'b0}} : wslot_q + {{(SlotWidth-1){1'b0}}, 1'b1};
      end
    end
    if (row_done) ahead_d = ahead_d + One;
    if (frame_done) ahead_d = ahead_d - HW;
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      wslot_q     <= {SlotWidth{1'b0}};
      wcol_q      <= {ColWidth{1'b0}};
      ahead_q     <= Zero;
      ih0_q       <= Ih0Init;
      iw0_q       <= Iw0Init;
      kh_q        <= {KhWidth{1'b0}};
      kw_q        <= {KwWidth{1'b0}};
      cg_q        <= {GWidth{1'b0}};
      s0_q        <= S0Init;
      v1_q        <= 1'b0;
      out_valid_q <= 1'b0;
    end else begin
      wslot_q <= wslot_d;
      wcol_q  <= wcol_d;
      ahead_q <= ahead_d;
      ih0_q   <= ih0_d;
      iw0_q   <= iw0_d;
      kh_q    <= kh_d;
      kw_q    <= kw_d;
      cg_q    <= cg_d;
      s0_q    <= s0_d;
      v1_q        <= v1_d;
      out_valid_q <= out_valid_d;
    end
  end

  // Line buffer: one write port, one synchronous read port (read enable
  // en), not reset. The branches differ only in the attribute on the
  // memory (the plan's Mem.Style): a Verilog-2005 attribute value cannot
  // come from a parameter.
  generate
    if (Style == 1) begin : gen_block
      (* ram_style = "block" *) reg [LaneBits-1:0] mem [0:Depth-1];
      always @(posedge clk_i) begin
        if (in_hs) begin
          mem[waddr] <= in_data_i;
        end
      end
      always @(posedge clk_i) begin
        if (en) begin
          rdata_q <= mem[raddr];
        end
      end
    end else if (Style == 2) begin : gen_lut
      (* ram_style = "distributed" *) reg [LaneBits-1:0] mem [0:Depth-1];
      always @(posedge clk_i) begin
        if (in_hs) begin
          mem[waddr] <= in_data_i;
        end
      end
      always @(posedge clk_i) begin
        if (en) begin
          rdata_q <= mem[raddr];
        end
      end
    end else begin : gen_auto
      reg [LaneBits-1:0] mem [0:Depth-1];
      always @(posedge clk_i) begin
        if (in_hs) begin
          mem[waddr] <= in_data_i;
        end
      end
      always @(posedge clk_i) begin
        if (en) begin
          rdata_q <= mem[raddr];
        end
      end
    end
  endgenerate

  wire [LaneBits-1:0] pad_beat = {Simd{PadX}};

  always @(posedge clk_i) begin
    if (en) begin
      pad1_q     <= !in_frame;
      out_data_q <= pad1_q ? pad_beat : rdata_q;
    end
  end

  assign in_ready_o  = in_ready;
  assign out_valid_o = out_valid_q;
  assign out_data_o  = out_data_q;

endmodule
