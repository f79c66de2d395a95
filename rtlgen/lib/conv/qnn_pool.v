// qnn library: qnn_pool
//
// Streaming max-pool (docs/conv-hardware.md "qnn_pool as built") of a
// K x K window moved by Stride >= K over a pixel stream of H*W pixels of C
// elements, Width elements of XBits bits per beat (Beats = ceil(C/Width)
// beats per pixel, lanes past C padding). Per output column and beat of a
// pixel an accumulator word (LUT RAM, asynchronous read): an input beat of
// a pixel inside a window loads it (the window's first pixel) or takes the
// lane-wise maximum of unsigned elements (the OR of bipolar bits); the
// beat of the window's last pixel writes its maximum into the output
// register (lanes past C are 0). Pixels outside every window are consumed
// and dropped. in_ready_o = !out_valid_q || out_ready_i.
module qnn_pool #(
  parameter integer C      = 1,
  parameter integer H      = 1,
  parameter integer W      = 1,
  parameter integer K      = 1,
  parameter integer Stride = 1,
  parameter integer Width  = 1,
  parameter integer XBits  = 1
) (
  input  wire                   clk_i,
  input  wire                   rst_ni,
  input  wire                   in_valid_i,
  output wire                   in_ready_o,
  input  wire [Width*XBits-1:0] in_data_i,
  output wire                   out_valid_o,
  input  wire                   out_ready_i,
  output wire [Width*XBits-1:0] out_data_o
);

  generate
    if (C < 1 || H < 1 || W < 1 || K < 1 || Stride < 1 || Width < 1 || XBits < 1) begin : gen_check_shape
      qnn_param_error_pool_sizes_must_be_positive u_param_error ();
    end
    if (K > Stride) begin : gen_check_overlap
      qnn_param_error_pool_window_must_not_exceed_stride u_param_error ();
    end
    if (K > H || K > W) begin : gen_check_fit
      qnn_param_error_pool_window_does_not_fit_input u_param_error ();
    end
  endgenerate

  function integer clog2_min1(input integer n);
    begin
      clog2_min1 = (n > 1) ? $clog2(n) : 1;
    end
  endfunction

  localparam integer Beats    = (Width > 0) ? (C + Width - 1) / Width : 1;
  localparam integer Oh       = (Stride > 0) ? (H - K) / Stride + 1 : 1;
  localparam integer Ow       = (Stride > 0) ? (W - K) / Stride + 1 : 1;
  localparam integer Words    = Ow * Beats;
  localparam integer LaneBits = Width * XBits;
  localparam integer BWidth   = clog2_min1(Beats);
  localparam integer HWidth   = clog2_min1(H + 1);
  localparam integer WWidth   = clog2_min1(W + 1);
  localparam integer SWidth   = clog2_min1(Stride);
  localparam integer AWidth   = clog2_min1(Words);

  localparam integer BLastInt   = Beats - 1;
  localparam integer HLastInt   = H - 1;
  localparam integer WLastInt   = W - 1;
  localparam integer SLastInt   = Stride - 1;
  localparam integer KLastInt   = K - 1;
  localparam integer OhInt      = Oh;
  localparam integer OwInt      = Ow;
  localparam integer BeatsInt   = Beats;
  localparam [BWidth-1:0] BLast = BLastInt[BWidth-1:0];
  localparam [HWidth-1:0] HLast = HLastInt[HWidth-1:0];
  localparam [WWidth-1:0] WLast = WLastInt[WWidth-1:0];
  localparam [SWidth-1:0] SLast = SLastInt[SWidth-1:0];
  localparam [SWidth-1:0] KLast = KLastInt[SWidth-1:0];
  localparam [HWidth-1:0] OhH   = OhInt[HWidth-1:0];
  localparam [WWidth-1:0] OwW   = OwInt[WWidth-1:0];
  localparam [AWidth-1:0] BeatsA = BeatsInt[AWidth-1:0];

  // Control registers (reset): beat of the pixel, column, column within
  // the stride, window column, and the same for rows.
  reg [BWidth-1:0] cg_q, cg_d;
  reg [WWidth-1:0] iw_q, iw_d, ow_q, ow_d;
  reg [SWidth-1:0] iwm_q, iwm_d, ihm_q, ihm_d;
  reg [HWidth-1:0] ih_q, ih_d, oh_q, oh_d;
  reg              out_valid_q, out_valid_d;
  // Data registers (not reset).
  reg [LaneBits-1:0] out_data_q, out_data_d;
  reg [LaneBits-1:0] acc [0:Words-1];

  wire in_ready = !out_valid_q || out_ready_i;
  wire in_hs    = in_valid_i && in_ready;
  wire col_k, row_k;  // within the first K of the stride's columns, rows
  generate
    if (K == Stride) begin : gen_k_is_stride
      assign col_k = 1'b1;
      assign row_k = 1'b1;
    end else begin : gen_k_below_stride
      assign col_k = (iwm_q <= KLast);
      assign row_k = (ihm_q <= KLast);
    end
  endgenerate
  wire take     = (ow_q < OwW) && col_k && (oh_q < OhH) && row_k;
  wire first    = (iwm_q == {SWidth{1'b0}}) && (ihm_q == {SWidth{1'b0}});
  wire done     = (iwm_q == KLast) && (ihm_q == KLast);

  // Accumulator word of (window column, beat); 0 outside the windows.
  wire [WWidth+AWidth-1:0] ow_ext = {{AWidth{1'b0}}, ow_q};
  wire [AWidth-1:0] addr = take ? ow_ext[AWidth-1:0] * BeatsA + {{(AWidth-BWidth){1'b0}}, cg_q} : {AWidth{1'b0}};
  wire unused_ow_ext = ^ow_ext[WWidth+AWidth-1:AWidth];
  wire [LaneBits-1:0] acc_word = acc[addr];

  // Lane-wise maximum; lanes past C of the output are 0.
  wire [LaneBits-1:0] cur;
  wire [LaneBits-1:0] result;
  genvar l;
  generate
    for (l = 0; l < Width; l = l + 1) begin : gen_lane
      wire [XBits-1:0] x = in_data_i[l*XBits +: XBits];
      wire [XBits-1:0] a = acc_word[l*XBits +: XBits];
      assign cur[l*XBits +: XBits] = (first || x > a) ? x : a;
      if ((Beats - 1) * Width + l >= C) begin : gen_pad
        assign result[l*XBits +: XBits] = (cg_q == BLast) ? {XBits{1'b0}} : cur[l*XBits +: XBits];
      end else begin : gen_elem
        assign result[l*XBits +: XBits] = cur[l*XBits +: XBits];
      end
    end
  endgenerate

  always @(*) begin
    cg_d  = cg_q;
    iw_d  = iw_q;
    iwm_d = iwm_q;
    ow_d  = ow_q;
    ih_d  = ih_q;
    ihm_d = ihm_q;
    oh_d  = oh_q;
    out_valid_d = out_valid_q;
    out_data_d  = out_data_q;
    if (in_hs) begin
      out_valid_d = take && done;
      if (take && done) out_data_d = result;
      cg_d = cg_q + {{(BWidth-1){1'b0}}, 1'b1};
      if (cg_q == BLast) begin
        cg_d  = {BWidth{1'b0}};
        iw_d  = iw_q + {{(WWidth-1){1'b0}}, 1'b1};
        iwm_d = (iwm_q == SLast) ? {SWidth{1'b0}} : iwm_q + {{(SWidth-1){1'b0}}, 1'b1};
        ow_d  = (iwm_q == SLast) ? ow_q + {{(WWidth-1){1'b0}}, 1'b1} : ow_q;
        if (iw_q == WLast) begin
          iw_d  = {WWidth{1'b0}};
          iwm_d = {SWidth{1'b0}};
          ow_d  = {WWidth{1'b0}};
          ih_d  = ih_q + {{(HWidth-1){1'b0}}, 1'b1};
          ihm_d = (ihm_q == SLast) ? {SWidth{1'b0}} : ihm_q + {{(SWidth-1){1'b0}}, 1'b1};
          oh_d  = (ihm_q == SLast) ? oh_q + {{(HWidth-1){1'b0}}, 1'b1} : oh_q;
          if (ih_q == HLast) begin
            ih_d  = {HWidth{1'b0}};
            ihm_d = {SWidth{1'b0}};
            oh_d  = {HWidth{1'b0}};
          end
        end
      end
    end else if (out_ready_i) begin
      out_valid_d = 1'b0;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      cg_q        <= {BWidth{1'b0}};
      iw_q        <= {WWidth{1'b0}};
      iwm_q       <= {SWidth{1'b0}};
      ow_q        <= {WWidth{1'b0}};
      ih_q        <= {HWidth{1'b0}};
      ihm_q       <= {SWidth{1'b0}};
      oh_q        <= {HWidth{1'b0}};
      out_valid_q <= 1'b0;
    end else begin
      cg_q        <= cg_d;
      iw_q        <= iw_d;
      iwm_q       <= iwm_d;
      ow_q        <= ow_d;
      ih_q        <= ih_d;
      ihm_q       <= ihm_d;
      oh_q        <= oh_d;
      out_valid_q <= out_valid_d;
    end
  end

  always @(posedge clk_i) begin
    out_data_q <= out_data_d;
    if (in_hs && take) begin
      acc[addr] <= cur;
    end
  end

  assign in_ready_o  = in_ready;
  assign out_valid_o = out_valid_q;
  assign out_data_o  = out_data_q;

endmodule
