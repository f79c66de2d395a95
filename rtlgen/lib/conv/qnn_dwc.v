// qnn library: qnn_dwc
//
// Pixel-aware width converter (docs/conv-hardware.md "qnn_dwc as built"):
// pixels of C elements of XBits bits, InWidth elements per input beat
// (InBeats = ceil(C/InWidth) beats, lanes past C ignored), OutWidth per
// output beat (OutBeats = ceil(C/OutWidth) beats, lanes past C are 0). A
// write buffer collects a pixel; a complete pixel moves to the read buffer
// in the cycle where the read buffer is empty or releases its pixel and
// the write buffer is full or receives its last beat (that beat goes
// straight across), as qnn_input_buffer does. The read side issues its
// beats into the output register, enabled by en = !out_valid_q ||
// out_ready_i. in_ready_o = !wfull_q (registers only).
module qnn_dwc #(
  parameter integer C        = 1,
  parameter integer InWidth  = 1,
  parameter integer OutWidth = 1,
  parameter integer XBits    = 1
) (
  input  wire                      clk_i,
  input  wire                      rst_ni,
  input  wire                      in_valid_i,
  output wire                      in_ready_o,
  input  wire [InWidth*XBits-1:0]  in_data_i,
  output wire                      out_valid_o,
  input  wire                      out_ready_i,
  output wire [OutWidth*XBits-1:0] out_data_o
);

  generate
    if (C < 1 || InWidth < 1 || OutWidth < 1 || XBits < 1) begin : gen_check_shape
      qnn_param_error_dwc_sizes_must_be_positive u_param_error ();
    end
  endgenerate

  localparam integer InBeats  = (InWidth > 0) ? (C + InWidth - 1) / InWidth : 1;
  localparam integer OutBeats = (OutWidth > 0) ? (C + OutWidth - 1) / OutWidth : 1;
  localparam integer InBits   = InWidth * XBits;
  localparam integer OutBits  = OutWidth * XBits;
  localparam integer CBits    = C * XBits;
  localparam integer IWidth   = (InBeats > 1) ? $clog2(InBeats) : 1;
  localparam integer OWidth   = (OutBeats > 1) ? $clog2(OutBeats) : 1;
  localparam integer ILastInt = InBeats - 1;
  localparam integer OLastInt = OutBeats - 1;
  localparam [IWidth-1:0] ILast = ILastInt[IWidth-1:0];
  localparam [OWidth-1:0] OLast = OLastInt[OWidth-1:0];

  reg [IWidth-1:0] wpos_q, wpos_d;
  reg [OWidth-1:0] rpos_q, rpos_d;
  reg              wfull_q, wfull_d, rfull_q, rfull_d, out_valid_q, out_valid_d;
  // Data (not reset).
  reg [InBeats*InBits-1:0] wbuf_q, wbuf_d;
  reg [CBits-1:0]          rbuf_q, rbuf_d;
  reg [OutBits-1:0]        out_data_q, out_data_d;

  wire in_ready = !wfull_q;
  wire in_hs    = in_valid_i && in_ready;
  wire en       = !out_valid_q || out_ready_i;
  wire issue    = en && rfull_q;
  wire rd_release = issue && (rpos_q == OLast);
  wire pix_in   = in_hs && (wpos_q == ILast);
  wire move     = (!rfull_q || rd_release) && (wfull_q || pix_in);

  // The pixel that moves: the write buffer, its last beat from the input
  // when it arrives in the same cycle.
  wire [InBeats*InBits-1:0] src;
  generate
    if (InBeats > 1) begin : gen_src_beats
      assign src = pix_in ? {in_data_i, wbuf_q[(InBeats-1)*InBits-1:0]} : wbuf_q;
    end else begin : gen_src_one
      assign src = pix_in ? in_data_i : wbuf_q;
    end
    if (InBeats * InWidth > C) begin : gen_unused_lanes
      wire unused_pad_lanes = ^src[InBeats*InBits-1:CBits];
    end
  endgenerate

  // The read buffer padded with zero lanes to OutBeats*OutWidth.
  wire [OutBeats*OutBits-1:0] padded;
  generate
    if (OutBeats * OutWidth > C) begin : gen_pad
      assign padded = {{(OutBeats*OutBits-CBits){1'b0}}, rbuf_q};
    end else begin : gen_nopad
      assign padded = rbuf_q;
    end
  endgenerate

  // The write buffer with the input beat written at beat wpos_q.
  wire [InBeats*InBits-1:0] wbuf_wr;
  genvar b;
  generate
    for (b = 0; b < InBeats; b = b + 1) begin : gen_wbuf
      localparam integer      PosInt = b;
      localparam [IWidth-1:0] Pos    = PosInt[IWidth-1:0];
      assign wbuf_wr[b*InBits +: InBits] = (wpos_q == Pos) ? in_data_i : wbuf_q[b*InBits +: InBits];
    end
  endgenerate

  always @(*) begin
    wpos_d      = wpos_q;
    rpos_d      = rpos_q;
    wfull_d     = wfull_q;
    rfull_d     = rfull_q;
    out_valid_d = out_valid_q;
    out_data_d  = out_data_q;
    wbuf_d      = wbuf_q;
    rbuf_d      = rbuf_q;
    if (en) begin
      out_valid_d = issue;
    end
    if (issue) begin
      out_data_d = padded[rpos_q*OutBits +: OutBits];
      rpos_d = rd_release ? {OWidth{1'b0}} : rpos_q + {{(OWidth-1){1'b0}}, 1'b1};
    end
    if (in_hs) begin
      wbuf_d = wbuf_wr;
      wpos_d = pix_in ? {IWidth{1'b0}} : wpos_q + {{(IWidth-1){1'b0}}, 1'b1};
    end
    if (move) begin
      rbuf_d  = src[CBits-1:0];
      rfull_d = 1'b1;
      wfull_d = 1'b0;
    end else begin
      if (rd_release) rfull_d = 1'b0;
      if (pix_in) wfull_d = 1'b1;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      wpos_q      <= {IWidth{1'b0}};
      rpos_q      <= {OWidth{1'b0}};
      wfull_q     <= 1'b0;
      rfull_q     <= 1'b0;
      out_valid_q <= 1'b0;
    end else begin
      wpos_q      <= wpos_d;
      rpos_q      <= rpos_d;
      wfull_q     <= wfull_d;
      rfull_q     <= rfull_d;
      out_valid_q <= out_valid_d;
    end
  end

  always @(posedge clk_i) begin
    wbuf_q     <= wbuf_d;
    rbuf_q     <= rbuf_d;
    out_data_q <= out_data_d;
  end

  assign in_ready_o  = in_ready;
  assign out_valid_o = out_valid_q;
  assign out_data_o  = out_data_q;

endmodule
