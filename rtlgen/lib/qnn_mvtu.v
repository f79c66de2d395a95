// qnn library: qnn_mvtu
//
// Matrix-vector-threshold unit: one dense layer (docs/dataflow.md "MVTU").
// Pe processing elements of Simd lanes; a frame is Nf output beats of Pe
// results, each computed over Sf cycles. Stages: A (issue: counters, weight
// ROM address, input lanes), B (accumulate), C (threshold or score), then
// the output register. en = !out_valid_q || out_ready_i holds the whole
// compute pipeline; the input buffer's write side runs independently.
//
// Kind: 0 xnor, 1 w1, 2 x1, 3 mul (see qnn_pe). Tree = 1 reduces with the
// design's generated compressor tree: qnn_pe_tree (xnor: the XNOR popcount)
// or qnn_pe_lanes (k-bit kinds: the lane-product tree, whose sum is the
// lane-tree hardware domain of docs/dataflow.md); Simd lanes, a register
// rank every PipeEvery stages, latency PipeDepth. The stage B control
// (valid, first, last, nf) is delayed by PipeDepth enabled registers to
// meet its count. Tree = 0 needs PipeDepth = 0. Mode: 0 threshold (OutBits
// = activation bits, NumThr = 2^OutBits - 1 thresholds of ThrWidth bits per
// neuron), 1 score (OutBits = score bits, ScoreMul 1 or 2).
module qnn_mvtu #(
  parameter integer Kind       = 0,
  parameter integer Mode       = 0,
  parameter integer Pe         = 1,
  parameter integer Simd       = 1,
  parameter integer Sf         = 1,
  parameter integer Nf         = 1,
  parameter integer Mw         = 1,
  parameter integer InWidth    = 1,
  parameter integer InBeats    = 1,
  parameter integer WBits      = 1,
  parameter integer XBits      = 1,
  parameter integer PadX       = 1,
  parameter integer AccWidth   = 2,
  parameter integer NumThr     = 1,
  parameter integer ThrWidth   = 2,
  parameter integer OutBits    = 1,
  parameter integer ScoreMul   = 2,
  parameter integer Tree       = 0,
  parameter integer PipeEvery  = 0,
  parameter integer PipeDepth  = 0,
  parameter         WeightFile = "",
  parameter         ActFile    = "",
  parameter integer WeightStyle = 0,  // weight ROM style (qnn_rom Style)
  parameter integer ActStyle    = 0,  // threshold/score ROM style
  parameter integer InBufStyle  = 0,  // input buffer style (qnn_input_buffer Style)
  parameter integer Framed      = 0   // 1: in_abort_i is honoured (MVTU 0, after qnn_framer)
) (
  input  wire                     clk_i,
  input  wire                     rst_ni,
  input  wire                     in_valid_i,
  output wire                     in_ready_o,
  input  wire [InWidth*XBits-1:0] in_data_i,
  input  wire                     in_abort_i,  // the input beat belongs to no frame (qnn_input_buffer wr_abort_i)
  output wire                     out_valid_o,
  input  wire                     out_ready_i,
  output wire [Pe*OutBits-1:0]    out_data_o
);

  // Exact product width of one lane (see qnn_pe) and the accumulator width
  // used here: at least the plan's AccWidth and one product.
  localparam integer ProdWidth  = (Kind == 0) ? 2 :
                                  (Kind == 1) ? XBits + 1 :
                                  (Kind == 2) ? WBits + 1 : WBits + XBits + 1;
  localparam integer AccW       = (AccWidth > ProdWidth) ? AccWidth : ProdWidth;
  localparam integer AccSigned  = (Kind == 0) ? 0 : 1;
  localparam integer SfWidth    = (Sf > 1) ? $clog2(Sf) : 1;
  localparam integer NfWidth    = (Nf > 1) ? $clog2(Nf) : 1;
  localparam integer WDepth     = Nf * Sf;
  localparam integer WAddrWidth = (WDepth > 1) ? $clog2(WDepth) : 1;
  localparam integer WWidth     = Pe * Simd * WBits;
  localparam integer ActPeBits  = (Mode == 0) ? NumThr * ThrWidth + 1 : OutBits;
  localparam integer ActWidth   = Pe * ActPeBits;
  localparam integer LaneBits   = Simd * XBits;

  generate
    if (Mode != 0 && Mode != 1) begin : gen_check_mode
      qnn_param_error_mvtu_mode_must_be_0_or_1 u_param_error ();
    end
    if (Pe < 1 || Simd < 1 || Sf < 1 || Nf < 1 || Mw < 1) begin : gen_check_folds
      qnn_param_error_mvtu_folds_must_be_positive u_param_error ();
    end
    if (Sf * Simd < Mw || (Sf - 1) * Simd >= Mw) begin : gen_check_sf
      qnn_param_error_mvtu_sf_must_be_ceil_mw_over_simd u_param_error ();
    end
    if ((Tree == 0 && (PipeDepth != 0 || PipeEvery != 0)) || PipeDepth < 0) begin : gen_check_pipe_depth
      qnn_param_error_mvtu_pipe_depth_needs_a_tree u_param_error ();
    end
  endgenerate

  localparam integer         SfLastIndex = Sf - 1;
  localparam integer         NfLastIndex = Nf - 1;
  localparam [SfWidth-1:0]   SfLast      = SfLastIndex[SfWidth-1:0];
  localparam [NfWidth-1:0]   NfLast      = NfLastIndex[NfWidth-1:0];
  localparam [SfWidth-1:0]   SfOne       = 1;
  localparam [NfWidth-1:0]   NfOne       = 1;
  localparam [WAddrWidth-1:0] WAddrOne   = 1;

  // Output register and global enable.
  reg                   out_valid_q, out_valid_d;
  reg [Pe*OutBits-1:0]  out_data_q, out_data_d;
  wire                  en = !out_valid_q || out_ready_i;

  // ------------------------------------------------------------------
  // Input buffer.
  wire                buf_full;
  wire [LaneBits-1:0] buf_lanes;
  wire                buf_release;

  // Stage A registers.
  reg [NfWidth-1:0]    nf_q, nf_d;
  reg [SfWidth-1:0]    sf_q, sf_d;
  reg [WAddrWidth-1:0] waddr_q, waddr_d;

  qnn_input_buffer #(
    .Mw      (Mw),
    .XBits   (XBits),
    .InWidth (InWidth),
    .InBeats (InBeats),
    .Simd    (Simd),
    .Sf      (Sf),
    .SfWidth (SfWidth),
    .PadX    (PadX),
    .Framed  (Framed),
    .Style   (InBufStyle)
  ) u_input_buffer (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .wr_valid_i   (in_valid_i),
    .wr_ready_o   (in_ready_o),
    .wr_data_i    (in_data_i),
    .wr_abort_i   (in_abort_i),
    .rd_full_o    (buf_full),
    .rd_en_i      (en),
    .rd_sf_i      (sf_q),
    .rd_lanes_o   (buf_lanes),
    .rd_release_i (buf_release)
  );

  // ------------------------------------------------------------------
  // Stage A: issue (nf_q, sf_q).
  wire issue   = en && buf_full;
  wire sf_last = (sf_q == SfLast);
  wire nf_last = (nf_q == NfLast);
  assign buf_release = issue && sf_last && nf_last;

  always @(*) begin
    nf_d    = nf_q;
    sf_d    = sf_q;
    waddr_d = waddr_q;
    if (issue) begin
      if (sf_last) begin
        sf_d = {SfWidth{1'b0}};
        nf_d = nf_last ? {NfWidth{1'b0}} : nf_q + NfOne;
      end else begin
        sf_d = sf_q + SfOne;
      end
      waddr_d = (sf_last && nf_last) ? {WAddrWidth{1'b0}} : waddr_q + WAddrOne;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      nf_q    <= {NfWidth{1'b0}};
      sf_q    <= {SfWidth{1'b0}};
      waddr_q <= {WAddrWidth{1'b0}};
    end else begin
      nf_q    <= nf_d;
      sf_q    <= sf_d;
      waddr_q <= waddr_d;
    end
  end

  // Weight ROM: word nf*Sf + sf, read in stage A, aligned with stage B.
  wire [WWidth-1:0] weights;

  qnn_rom #(
    .Depth     (WDepth),
    .Width     (WWidth),
    .AddrWidth (WAddrWidth),
    .InitFile  (WeightFile),
    .Style     (WeightStyle)
  ) u_weight_rom (
    .clk_i  (clk_i),
    .en_i   (en),
    .addr_i (waddr_q),
    .data_o (weights)
  );

  // ------------------------------------------------------------------
  // Stage B registers: valid (reset) and the issued pair's data.
  reg                b_valid_q, b_valid_d;
  reg                b_first_q, b_first_d;
  reg                b_last_q, b_last_d;
  reg [NfWidth-1:0]  b_nf_q, b_nf_d;
  wire [LaneBits-1:0] b_x_q = buf_lanes;  // the input buffer's read register (read enable en)

  always @(*) begin
    b_valid_d = b_valid_q;
    b_first_d = b_first_q;
    b_last_d  = b_last_q;
    b_nf_d    = b_nf_q;
    if (en) begin
      b_valid_d = buf_full;
      b_first_d = (sf_q == {SfWidth{1'b0}});
      b_last_d  = sf_last;
      b_nf_d    = nf_q;
    end
  end

  // Stage B control delayed by the tree's PipeDepth register ranks (s_*:
  // aligned with the PE sums).
  wire               s_valid, s_first, s_last;
  wire [NfWidth-1:0] s_nf;
  genvar             r;

  generate
    if (PipeDepth == 0) begin : gen_no_pipe
      assign s_valid = b_valid_q;
      assign s_first = b_first_q;
      assign s_last  = b_last_q;
      assign s_nf    = b_nf_q;
    end else begin : gen_pipe
      // Rank r loads from rank r-1 (rank -1 is stage B): chain entry r
      // is rank r-1's output, entry PipeDepth the last rank's.
      wire [PipeDepth:0]               v_chain, f_chain, l_chain;
      wire [(PipeDepth+1)*NfWidth-1:0] nf_chain;

      assign v_chain[0]             = b_valid_q;
      assign f_chain[0]             = b_first_q;
      assign l_chain[0]             = b_last_q;
      assign nf_chain[0 +: NfWidth] = b_nf_q;

      for (r = 0; r < PipeDepth; r = r + 1) begin : gen_rank
        reg               v_q, f_q, l_q;
        reg [NfWidth-1:0] n_q;

        always @(posedge clk_i) begin
          if (!rst_ni) begin
            v_q <= 1'b0;
          end else if (en) begin
            v_q <= v_chain[r];
          end
        end

        // Data registers (not reset).
        always @(posedge clk_i) begin
          if (en) begin
            f_q  <= f_chain[r];
            l_q  <= l_chain[r];
            n_q  <= nf_chain[r*NfWidth +: NfWidth];
          end
        end

        assign v_chain[r+1]                       = v_q;
        assign f_chain[r+1]                       = f_q;
        assign l_chain[r+1]                       = l_q;
        assign nf_chain[(r+1)*NfWidth +: NfWidth] = n_q;
      end
      assign s_valid = v_chain[PipeDepth];
      assign s_first = f_chain[PipeDepth];
      assign s_last  = l_chain[PipeDepth];
      assign s_nf    = nf_chain[PipeDepth*NfWidth +: NfWidth];
    end
  endgenerate

  // Stage B: per PE, reduce the lanes and accumulate.
  wire [Pe*AccW-1:0] sums;
  reg  [Pe*AccW-1:0] acc_q, acc_d;

  genvar p;
  generate
    for (p = 0; p < Pe; p = p + 1) begin : gen_pe
      if (Tree != 0 && Kind == 0) begin : gen_tree
        qnn_pe_tree #(
          .Simd      (Simd),
          .PipeEvery (PipeEvery),
          .SumWidth  (AccW)
        ) u_pe (
          .clk_i (clk_i),
          .en_i  (en),
          .w_i   (weights[p*Simd +: Simd]),
          .x_i   (b_x_q),
          .sum_o (sums[p*AccW +: AccW])
        );
      end else if (Tree != 0) begin : gen_lanes
        qnn_pe_lanes #(
          .Kind      (Kind),
          .Simd      (Simd),
          .WBits     (WBits),
          .XBits     (XBits),
          .PipeEvery (PipeEvery),
          .SumWidth  (AccW)
        ) u_pe (
          .clk_i (clk_i),
          .en_i  (en),
          .w_i   (weights[p*Simd*WBits +: Simd*WBits]),
          .x_i   (b_x_q),
          .sum_o (sums[p*AccW +: AccW])
        );
      end else begin : gen_behavioural
        qnn_pe #(
          .Kind     (Kind),
          .Simd     (Simd),
          .WBits    (WBits),
          .XBits    (XBits),
          .SumWidth (AccW)
        ) u_pe (
          .w_i   (weights[p*Simd*WBits +: Simd*WBits]),
          .x_i   (b_x_q),
          .sum_o (sums[p*AccW +: AccW])
        );
      end

      always @(*) begin
        acc_d[p*AccW +: AccW] = acc_q[p*AccW +: AccW];
        if (en && s_valid) begin
          acc_d[p*AccW +: AccW] = (s_first ? {AccW{1'b0}} : acc_q[p*AccW +: AccW])
                                  + sums[p*AccW +: AccW];
        end
      end
    end
  endgenerate

  // Threshold or score ROM, read at stage B's nf, aligned with stage C.
  wire [ActWidth-1:0] act;

  qnn_rom #(
    .Depth     (Nf),
    .Width     (ActWidth),
    .AddrWidth (NfWidth),
    .InitFile  (ActFile),
    .Style     (ActStyle)
  ) u_act_rom (
    .clk_i  (clk_i),
    .en_i   (en),
    .addr_i (s_nf),
    .data_o (act)
  );

  // Stage C register: valid after a neuron fold's last synapse fold.
  reg c_valid_q, c_valid_d;

  always @(*) begin
    c_valid_d = c_valid_q;
    if (en) begin
      c_valid_d = s_valid && s_last;
    end
  end

  // ------------------------------------------------------------------
  // Stage C: activate each PE's accumulator.
  wire [Pe*OutBits-1:0] results;

  generate
    for (p = 0; p < Pe; p = p + 1) begin : gen_act
      if (Mode == 0) begin : gen_threshold
        qnn_threshold #(
          .AccWidth  (AccW),
          .AccSigned (AccSigned),
          .NumThr    (NumThr),
          .ThrWidth  (ThrWidth),
          .OutBits   (OutBits)
        ) u_threshold (
          .acc_i   (acc_q[p*AccW +: AccW]),
          .thr_i   (act[p*ActPeBits +: ActPeBits]),
          .level_o (results[p*OutBits +: OutBits])
        );
      end else begin : gen_score
        qnn_score #(
          .AccWidth  (AccW),
          .AccSigned (AccSigned),
          .ScoreMul  (ScoreMul),
          .ScoreBits (OutBits)
        ) u_score (
          .acc_i   (acc_q[p*AccW +: AccW]),
          .add_i   (act[p*ActPeBits +: ActPeBits]),
          .score_o (results[p*OutBits +: OutBits])
        );
      end
    end
  endgenerate

  always @(*) begin
    out_valid_d = out_valid_q;
    out_data_d  = out_data_q;
    if (en) begin
      out_valid_d = c_valid_q;
      if (c_valid_q) begin
        out_data_d = results;
      end
    end
  end

  // ------------------------------------------------------------------
  // Registers.
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      b_valid_q   <= 1'b0;
      c_valid_q   <= 1'b0;
      out_valid_q <= 1'b0;
    end else begin
      b_valid_q   <= b_valid_d;
      c_valid_q   <= c_valid_d;
      out_valid_q <= out_valid_d;
    end
  end

  // Data registers (not reset).
  always @(posedge clk_i) begin
    b_first_q  <= b_first_d;
    b_last_q   <= b_last_d;
    b_nf_q     <= b_nf_d;
    acc_q      <= acc_d;
    out_data_q <= out_data_d;
  end

  assign out_valid_o = out_valid_q;
  assign out_data_o  = out_data_q;

endmodule
