// qnn library: qnn_threshold
//
// Multi-threshold activation of one accumulator (docs/dataflow.md
// "Thresholds in the hardware domain"). thr_i holds NumThr signed ThrWidth-bit
// thresholds (threshold j at [j*ThrWidth +: ThrWidth], ascending) and the
// reversed flag as its top bit. level_o = number of thresholds t with
// acc >= t (acc <= t when reversed); for OutBits = 1 this is the output bit.
// The accumulator is unsigned (AccSigned = 0, xnor popcount) or two's
// complement; comparisons are exact signed comparisons. Combinational.
//
// One comparator per threshold serves both directions: acc <= t iff
// ~acc >= ~t, so the flag complements both operands (the comparator's
// per-bit difference does not depend on it) instead of selecting between
// two comparators. The thresholds must be ascending (the plan's are: hw
// Layer.Thresholds): the hits are then a thermometer code (descending in j,
// ascending when reversed), and the level is read from it by binary search
// over OutBits hit bits instead of adding NumThr of them.
module qnn_threshold #(
  parameter integer AccWidth  = 2,
  parameter integer AccSigned = 1,
  parameter integer NumThr    = 1,
  parameter integer ThrWidth  = 2,
  parameter integer OutBits   = 1
) (
  input  wire [AccWidth-1:0]        acc_i,
  input  wire [NumThr*ThrWidth:0]   thr_i,
  output wire [OutBits-1:0]         level_o
);

  generate
    if (AccWidth < 1 || ThrWidth < 1) begin : gen_check_widths
      qnn_param_error_threshold_widths_must_be_positive u_param_error ();
    end
    if (OutBits < 1 || NumThr != (1 << OutBits) - 1) begin : gen_check_num_thr
      qnn_param_error_threshold_num_thr_must_be_2_pow_out_bits_minus_1 u_param_error ();
    end
  endgenerate

  // Comparison width: holds every threshold and the accumulator as signed.
  localparam integer CmpWidth = (ThrWidth > AccWidth + 1) ? ThrWidth : AccWidth + 1;

  wire                       reversed = thr_i[NumThr*ThrWidth];
  wire                       acc_top  = (AccSigned != 0) ? acc_i[AccWidth-1] : 1'b0;
  wire signed [CmpWidth-1:0] flip     = {CmpWidth{reversed}};
  wire signed [CmpWidth-1:0] acc_f    = {{(CmpWidth-AccWidth){acc_top}}, acc_i} ^ flip;
  wire [NumThr-1:0]          hit;

  genvar j;
  generate
    for (j = 0; j < NumThr; j = j + 1) begin : gen_thr
      wire [ThrWidth-1:0]        t_raw = thr_i[j*ThrWidth +: ThrWidth];
      wire signed [CmpWidth-1:0] t_f   = {{(CmpWidth-ThrWidth){t_raw[ThrWidth-1]}}, t_raw} ^ flip;
      assign hit[j] = (acc_f >= t_f);
    end
  endgenerate

  // Level bit b (MSB first) is hit[level + 2^b - 1] with the higher bits
  // found so far (hit[NumThr - 1 - that] when reversed).
  localparam [OutBits-1:0] LastThr = NumThr[OutBits-1:0] - 1'b1;

  reg [OutBits-1:0] level;
  reg [OutBits-1:0] idx;
  integer b;
  always @(*) begin
    level = {OutBits{1'b0}};
    idx   = {OutBits{1'b0}};
    for (b = OutBits - 1; b >= 0; b = b - 1) begin
      idx = level | ((1 << b) - 1);
      if (reversed) begin
        idx = LastThr - idx;
      end
      if (hit[idx]) begin
        level = level | (1 << b);
      end
    end
  end

  assign level_o = level;

endmodule
