// qnn library: qnn_argmax
//
// Output stage (docs/dataflow.md "Argmax / output stage"): collects a
// frame's class scores, Beats beats of Pe signed ScoreBits-bit scores (class
// beat*Pe + p in lane p; classes >= Classes ignored), and emits one beat:
// the predicted class (lowest index wins ties) in bits [15:0] and score c
// sign-extended to Sw bits at [16 + c*Sw +: Sw]; with TopOnly = 1 only the
// predicted class's score, at [16 +: Sw], and no score registers
// (docs/lstm-hardware.md: a language model's V logits).
module qnn_argmax #(
  parameter integer Classes   = 2,
  parameter integer Pe        = 1,
  parameter integer Beats     = 2,
  parameter integer ScoreBits = 2,
  parameter integer Sw        = 16,
  parameter integer TopOnly   = 0
) (
  input  wire                        clk_i,
  input  wire                        rst_ni,
  input  wire                        in_valid_i,
  output wire                        in_ready_o,
  input  wire [Pe*ScoreBits-1:0]     in_data_i,
  output wire                        out_valid_o,
  input  wire                        out_ready_i,
  output wire [16+(TopOnly != 0 ? 1 : Classes)*Sw-1:0] out_data_o
);

  localparam integer BeatWidth = (Beats > 1) ? $clog2(Beats) : 1;
  localparam integer OutWidth  = 16 + (TopOnly != 0 ? 1 : Classes) * Sw;

  generate
    if (Classes < 1 || Classes > 65535 || Pe < 1 || Beats < 1) begin : gen_check_shape
      qnn_param_error_argmax_sizes_out_of_range u_param_error ();
    end
    if (Pe * Beats < Classes || (Beats - 1) * Pe >= Classes) begin : gen_check_beats
      qnn_param_error_argmax_beats_must_be_ceil_classes_over_pe u_param_error ();
    end
    if (ScoreBits < 1 || Sw < ScoreBits) begin : gen_check_sw
      qnn_param_error_argmax_sw_below_score_bits u_param_error ();
    end
    if (TopOnly != 0 && TopOnly != 1) begin : gen_check_top
      qnn_param_error_argmax_top_only_not_0_or_1 u_param_error ();
    end
  endgenerate

  localparam integer         LastBeatIndex = Beats - 1;
  localparam [BeatWidth-1:0] LastBeat      = LastBeatIndex[BeatWidth-1:0];
  localparam [BeatWidth-1:0] BeatOne       = 1;

  reg                           out_valid_q, out_valid_d;
  reg [OutWidth-1:0]            out_data_q, out_data_d;
  reg [BeatWidth-1:0]           beat_q, beat_d;
  reg [15:0]                    best_q, best_d;
  reg signed [ScoreBits-1:0]    best_score_q, best_score_d;

  wire in_ready = !out_valid_q || out_ready_i;
  wire in_hs    = in_valid_i && in_ready;
  wire in_last  = (beat_q == LastBeat);

  genvar ch, cl;
  generate
    if (Pe > Classes) begin : gen_unused_lanes
      // Lanes of padded classes (>= Classes) carry no score.
      wire unused_lanes = ^in_data_i[Pe*ScoreBits-1:Classes*ScoreBits];
    end
  endgenerate

  // Store the beat's scores and update the best class, lanes in order.
  // The scores of a beat are stored in parallel. The best class so far
  // comes from a tournament over the previous best (leftmost leaf) and the
  // Pe lanes of the beat (classes beat*Pe + lane) in index order: the right
  // entry wins only with a strictly greater score, so the lowest index wins
  // ties, exactly as comparing the lanes one after the other, in
  // ceil(log2(Pe+1)) compare levels.
  function integer pow2_at_least(input integer n);
    integer q;
    begin
      q = 1;
      while (q < n) q = q * 2;
      pow2_at_least = q;
    end
  endfunction

  localparam integer         Leaves   = pow2_at_least(Pe + 1);
  localparam integer         ClsWidth = 17;
  localparam [ClsWidth-1:0]  PeW      = Pe[ClsWidth-1:0];
  localparam [ClsWidth-1:0]  ClassesW = Classes[ClsWidth-1:0];
  wire [ClsWidth-1:0] beat_base = {{(ClsWidth-BeatWidth){1'b0}}, beat_q} * PeW;

  genvar t;
  generate
    for (t = 0; t < 2 * Leaves - 1; t = t + 1) begin : gen_node
      wire                 v;
      wire [15:0]          cls;
      wire [ScoreBits-1:0] s;
      if (t == Leaves - 1) begin : gen_prev
        assign v   = (beat_q != {BeatWidth{1'b0}});
        assign cls = best_q;
        assign s   = best_score_q;
      end else if (t >= Leaves && t - Leaves < Pe) begin : gen_lane
        localparam integer Lane = t - Leaves;
        wire [ClsWidth-1:0] lane_cls = beat_base + Lane[ClsWidth-1:0];
        assign v   = (lane_cls < ClassesW);
        assign cls = lane_cls[15:0];
        assign s   = in_data_i[Lane*ScoreBits +: ScoreBits];
      end else if (t >= Leaves - 1) begin : gen_empty
        assign v   = 1'b0;
        assign cls = 16'd0;
        assign s   = {ScoreBits{1'b0}};
      end else begin : gen_pick
        wire right = gen_node[2*t+2].v &&
                     (!gen_node[2*t+1].v || $signed(gen_node[2*t+2].s) > $signed(gen_node[2*t+1].s));
        assign v   = gen_node[2*t+1].v || gen_node[2*t+2].v;
        assign cls = right ? gen_node[2*t+2].cls : gen_node[2*t+1].cls;
        assign s   = right ? gen_node[2*t+2].s : gen_node[2*t+1].s;
      end
    end
  endgenerate

  wire [15:0]          win_cls   = gen_node[0].cls;
  wire [ScoreBits-1:0] win_score = gen_node[0].s;
  wire                 unused_win_v = gen_node[0].v;  // lane 0 of a beat is always a class

  always @(*) begin
    best_d       = best_q;
    best_score_d = best_score_q;
    if (in_hs) begin
      best_d       = win_cls;
      best_score_d = win_score;
    end
  end

  wire [OutWidth-1:0] result;
  assign result[15:0] = best_d;
  generate
    if (TopOnly != 0) begin : gen_top
      assign result[16 +: Sw] = {{(Sw-ScoreBits){best_score_d[ScoreBits-1]}}, best_score_d};
    end else begin : gen_all
      // Every score: class c arrives in lane c % Pe of beat c / Pe and is
      // stored until the frame's last beat.
      reg  [Classes*ScoreBits-1:0] scores_q;
      wire [Classes*ScoreBits-1:0] scores_d;
      // Two loop levels of at most 1024 iterations each (Verilator's
      // default unroll limit), for vocabularies of tens of thousands.
      for (ch = 0; ch < (Classes + 1023) / 1024; ch = ch + 1) begin : gen_chunk
        for (cl = 0; cl < 1024; cl = cl + 1) begin : gen_class
          if (ch * 1024 + cl < Classes) begin : gen_used
            localparam integer         C         = ch * 1024 + cl;
            localparam integer         BeatIndex = C / Pe;
            localparam [BeatWidth-1:0] Beat      = BeatIndex[BeatWidth-1:0];
            localparam integer         Lane      = C % Pe;
            wire                       take      = in_hs && (beat_q == Beat);
            wire [ScoreBits-1:0]       s         = scores_d[C*ScoreBits +: ScoreBits];
            assign scores_d[C*ScoreBits +: ScoreBits] = take ? in_data_i[Lane*ScoreBits +: ScoreBits]
                                                             : scores_q[C*ScoreBits +: ScoreBits];
            assign result[16 + C*Sw +: Sw] = {{(Sw-ScoreBits){s[ScoreBits-1]}}, s};
          end
        end
      end
      // Data registers (not reset).
      always @(posedge clk_i) begin
        scores_q <= scores_d;
      end
    end
  endgenerate

  always @(*) begin
    out_valid_d = out_valid_q;
    out_data_d  = out_data_q;
    beat_d      = beat_q;
    if (in_hs) begin
      beat_d = in_last ? {BeatWidth{1'b0}} : beat_q + BeatOne;
    end
    if (in_hs && in_last) begin
      out_valid_d = 1'b1;
      out_data_d  = result;
    end else if (out_ready_i) begin
      out_valid_d = 1'b0;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      out_valid_q <= 1'b0;
      beat_q      <= {BeatWidth{1'b0}};
    end else begin
      out_valid_q <= out_valid_d;
      beat_q      <= beat_d;
    end
  end

  // Data registers (not reset).
  always @(posedge clk_i) begin
    out_data_q   <= out_data_d;
    best_q       <= best_d;
    best_score_q <= best_score_d;
  end

  assign in_ready_o  = in_ready;
  assign out_valid_o = out_valid_q;
  assign out_data_o  = out_data_q;

endmodule
