// qnn library: qnn_lstm
//
// The recurrent stage of a sequence model (docs/lstm-hardware.md "LSTM
// stage"): one token in, Nf beats of U = Pe/4 hidden levels out. Per token
// the gate MVU issues Nf*Sf (nf, sf) pairs over [x_t ; h_{t-1}] (folds
// sf < SfX read the embedding ROM at tok*SfX + sf, folds sf >= SfX read word
// sf-SfX of the current h bank, or the reset level L0 in every lane when
// the token starts a sequence); hardware row nf*Pe + p is unit
// (nf*Pe+p)/4, gate (nf*Pe+p)%4 (i, f, g, o). Stages: A (issue), B
// (accumulate), C (gate levels), D (cell update), E (cell tanh and hidden
// level, the output register and the write of h into the next bank). en =
// !out_valid_q || out_ready_i holds stages A..E; the token input side
// (in_ready_o = !busy_q) runs independently. The last beat of a token
// clears busy_q and swaps the h banks.
//
// The cell update is the netlist's: c = sat(rshr(f*c_prev, FShift) +
// rshr(i*g, IGShift)), rshr(p, s) = (p + 2^(s-1)) >>> s, sat to CellBits
// signed, with gate values Base* + level; t = BaseT + level(cell
// thresholds, c); the hidden level = level(hidden thresholds, o*t).
//
// The cell datapath has the plan's widths (hw LSTMStage): f*c_prev plus
// its rounding constant in FcWidth bits, i*g plus its constant in IgWidth,
// the sum of the two shifted terms in CellSumWidth (computed one bit wider
// than the widest of the three and CellBits, then saturated), o*t in
// OtWidth; the gate and tanh values are formed in the width of the product
// that reads them (two's-complement sums are exact modulo 2^width, so a
// value that fits comes out right). Nothing wraps for any plan whose values
// fit these widths, which rtlgen checks before instantiating the module.
//
// Status: instantiated by rtlgen for sequence designs (stage_lstm.go);
// cycle-exact against sim.LSTM (rtlgen TestLSTMStageCosim) and lint-clean
// (TestLSTMModuleLint).
module qnn_lstm #(
  parameter integer Vocab        = 2,
  parameter integer TokBits      = 1,
  parameter integer H            = 1,
  parameter integer XBits        = 2,   // embedding and hidden level width
  parameter integer L0           = 0,   // reset level of h (the level of value 0)
  parameter integer WBits        = 2,
  parameter integer Pe           = 4,
  parameter integer Simd         = 1,
  parameter integer Nf           = 1,
  parameter integer SfX          = 1,
  parameter integer SfH          = 1,
  parameter integer AccWidth     = 2,
  parameter integer GateBits     = 2,
  parameter integer GateThrWidth = 2,
  parameter integer BaseI        = 0,
  parameter integer BaseF        = 0,
  parameter integer BaseG        = 0,
  parameter integer BaseO        = 0,
  parameter integer CellBits     = 2,
  parameter integer FShift       = 0,
  parameter integer IGShift      = 0,
  parameter integer CellActBits  = 2,
  parameter integer CellThrWidth = 2,
  parameter integer BaseT        = 0,
  parameter integer HidThrWidth  = 2,
  parameter integer FcWidth      = 4,   // f*c_prev + 2^(FShift-1) (hw LSTMStage.FCWidth)
  parameter integer IgWidth      = 5,   // i*g + 2^(IGShift-1) (IGWidth)
  parameter integer CellSumWidth = 5,   // rshr(f*c_prev) + rshr(i*g) before the saturation
  parameter integer OtWidth      = 5,   // o*t (OTWidth)
  parameter         EmbFile      = "",
  parameter         WeightFile   = "",
  parameter         GateThrFile  = "",
  parameter         CellThrFile  = "",
  parameter         HidThrFile   = "",
  parameter integer EmbStyle     = 0,
  parameter integer WeightStyle  = 0,
  parameter integer GateThrStyle = 0,   // qnn_rom Style of the threshold ROMs
  parameter integer CellThrStyle = 0,
  parameter integer HidThrStyle  = 0
) (
  input  wire                     clk_i,
  input  wire                     rst_ni,
  input  wire                     in_valid_i,
  output wire                     in_ready_o,
  // Two lanes of TokBits bits: the token (< Vocab; the token input stage
  // maps others to 0) and, in bit 0 of lane 1, last (the token ends its
  // sequence).
  input  wire [2*TokBits-1:0]     in_data_i,
  output wire                     out_valid_o,
  input  wire                     out_ready_i,
  output wire [(Pe/4)*XBits-1:0]  out_data_o
);

  localparam integer U          = Pe / 4;
  localparam integer Sf         = SfX + SfH;
  localparam integer SfWidth    = (Sf > 1) ? $clog2(Sf) : 1;
  localparam integer NfWidth    = (Nf > 1) ? $clog2(Nf) : 1;
  localparam integer WDepth     = Nf * Sf;
  localparam integer WAddrWidth = (WDepth > 1) ? $clog2(WDepth) : 1;
  localparam integer EDepth     = Vocab * SfX;
  localparam integer EAddrWidth = (EDepth > 1) ? $clog2(EDepth) : 1;
  localparam integer LaneBits   = Simd * XBits;
  localparam integer HBits      = SfH * LaneBits;   // one h bank
  localparam integer ProdWidth  = WBits + XBits + 1;
  localparam integer AccW       = (AccWidth > ProdWidth) ? AccWidth : ProdWidth;
  localparam integer NumThrG    = (1 << GateBits) - 1;
  localparam integer GPeBits    = NumThrG * GateThrWidth + 1;
  localparam integer NumThrT    = (1 << CellActBits) - 1;
  localparam integer TUBits     = NumThrT * CellThrWidth + 1;
  localparam integer NumThrH    = (1 << XBits) - 1;
  localparam integer HUBits     = NumThrH * HidThrWidth + 1;
  // The cell sum: one bit wider than every term and the saturation bounds.
  localparam integer CsMax      = (FcWidth > IgWidth) ? FcWidth : IgWidth;
  localparam integer CsMax2     = (CsMax > CellSumWidth) ? CsMax : CellSumWidth;
  localparam integer CsW        = ((CsMax2 > CellBits) ? CsMax2 : CellBits) + 1;
  // The bases sign-extended past every datapath width (then cut to each).
  localparam integer BaseW      = ((CsW > OtWidth) ? CsW : OtWidth) + 33;
  localparam integer SfLastIndex = Sf - 1;
  localparam integer NfLastIndex = Nf - 1;
  localparam [SfWidth-1:0]    SfLast   = SfLastIndex[SfWidth-1:0];
  localparam [NfWidth-1:0]    NfLast   = NfLastIndex[NfWidth-1:0];
  localparam [SfWidth-1:0]    SfXw     = SfX[SfWidth-1:0];
  localparam [SfWidth-1:0]    SfOne    = 1;
  localparam [NfWidth-1:0]    NfOne    = 1;
  localparam [WAddrWidth-1:0] WAddrOne = 1;
  localparam [XBits-1:0]      L0Level  = L0[XBits-1:0];

  generate
    if (Pe < 4 || Pe % 4 != 0) begin : gen_check_pe
      qnn_param_error_lstm_pe_must_be_a_multiple_of_4 u_param_error ();
    end
    if (Nf * U < H || Simd < 1 || SfX < 1 || SfH * Simd < H) begin : gen_check_folds
      qnn_param_error_lstm_folds_do_not_cover_the_matrix u_param_error ();
    end
    if (CellBits < 2 || XBits < 2 || GateBits < 2 || CellActBits < 2) begin : gen_check_widths
      qnn_param_error_lstm_widths u_param_error ();
    end
    // The products hold their operands (rtlgen checks the values fit).
    if (FcWidth <= CellBits || FcWidth <= GateBits || IgWidth <= GateBits || OtWidth <= GateBits ||
        OtWidth <= CellActBits) begin : gen_check_cell_widths
      qnn_param_error_lstm_cell_datapath_widths u_param_error ();
    end
  endgenerate

  wire en = !out_valid_q || out_ready_i;

  // ---- token input and control -----------------------------------------
  reg                  busy_q, issuing_q, fresh_q, after_last_q, hcur_q;
  reg [EAddrWidth-1:0] ebase_q;               // tok*SfX
  reg [NfWidth-1:0]    nf_q;
  reg [SfWidth-1:0]    sf_q;
  reg [WAddrWidth-1:0] waddr_q;
  wire [TokBits-1:0] in_token_i = in_data_i[TokBits-1:0];
  wire               in_last_i  = in_data_i[TokBits];
  generate
    if (TokBits > 1) begin : gen_unused_last
      wire unused_last = ^in_data_i[2*TokBits-1:TokBits+1];
    end
  endgenerate
  wire in_hs = in_valid_i && !busy_q;
  assign in_ready_o = !busy_q;

  // The last beat of the token leaves stage E in a cycle with en.
  wire last_beat_out;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q       <= 1'b0;
      issuing_q    <= 1'b0;
      after_last_q <= 1'b1;
      hcur_q       <= 1'b0;
    end else begin
      if (in_hs) begin
        busy_q       <= 1'b1;
        issuing_q    <= 1'b1;
        after_last_q <= in_last_i;
      end else if (last_beat_out) begin
        busy_q <= 1'b0;
        hcur_q <= !hcur_q;
      end
      if (!in_hs && en && issuing_q && nf_q == NfLast && sf_q == SfLast) begin
        issuing_q <= 1'b0;
      end
    end
  end

  // Data-side registers of the token (not reset).
  wire [31:0] ebase = in_token_i * SfX;
  generate
    if (EAddrWidth < 32) begin : gen_unused_ebase
      wire unused_ebase = ^ebase[31:EAddrWidth];
    end
  endgenerate
  always @(posedge clk_i) begin
    if (in_hs) begin
      ebase_q <= ebase[EAddrWidth-1:0];
      fresh_q <= after_last_q;
      nf_q    <= {NfWidth{1'b0}};
      sf_q    <= {SfWidth{1'b0}};
      waddr_q <= {WAddrWidth{1'b0}};
    end else if (en && issuing_q && !(nf_q == NfLast && sf_q == SfLast)) begin
      // The counters stop at the last pair (no address past the ROMs).
      waddr_q <= waddr_q + WAddrOne;
      if (sf_q == SfLast) begin
        sf_q <= {SfWidth{1'b0}};
        nf_q <= nf_q + NfOne;
      end else begin
        sf_q <= sf_q + SfOne;
      end
    end
  end

  // ---- stage A -> B ----------------------------------------------------
  wire                 issue = en && issuing_q;
  wire                 xpart = (sf_q < SfXw);
  wire [EAddrWidth-1:0] eaddr = ebase_q + {{(EAddrWidth > SfWidth ? EAddrWidth - SfWidth : 0){1'b0}}, sf_q};
  wire [LaneBits-1:0]  emb_word;
  wire [Pe*Simd*WBits-1:0] w_word;
  qnn_rom #(.Depth(EDepth), .Width(LaneBits), .AddrWidth(EAddrWidth), .InitFile(EmbFile), .Style(EmbStyle))
    u_emb (.clk_i(clk_i), .en_i(en), .addr_i(eaddr), .data_o(emb_word));
  qnn_rom #(.Depth(WDepth), .Width(Pe*Simd*WBits), .AddrWidth(WAddrWidth), .InitFile(WeightFile), .Style(WeightStyle))
    u_w (.clk_i(clk_i), .en_i(en), .addr_i(waddr_q), .data_o(w_word));

  reg [HBits-1:0] hbank_q [0:1];
  // The h lanes of fold sf (word sf-SfX of the current bank; L0 everywhere
  // for a fresh token; lanes past H read 0, whose weights are 0).
  reg [LaneBits-1:0] hword;
  integer l, hfold;
  always @(*) begin
    hfold = xpart ? 0 : {{(32-SfWidth){1'b0}}, sf_q} - SfX;
    hword = hbank_q[hcur_q][hfold * LaneBits +: LaneBits];
    for (l = 0; l < Simd; l = l + 1) begin
      if (fresh_q) hword[l*XBits +: XBits] = L0Level;
      if (hfold * Simd + l >= H) hword[l*XBits +: XBits] = {XBits{1'b0}};
    end
  end

  reg                valid_b, first_b, last_b, xpart_b;
  reg [NfWidth-1:0]  nf_b;
  reg [LaneBits-1:0] hword_b;
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      valid_b <= 1'b0;
    end else if (en) begin
      valid_b <= issue;
    end
  end
  always @(posedge clk_i) begin
    if (en) begin
      first_b <= (sf_q == {SfWidth{1'b0}});
      last_b  <= (sf_q == SfLast);
      xpart_b <= xpart;
      nf_b    <= nf_q;
      hword_b <= hword;
    end
  end
  wire [LaneBits-1:0] x_b = xpart_b ? emb_word : hword_b;

  // ---- stage B: accumulate ---------------------------------------------
  reg  [AccW-1:0] acc_q [0:Pe-1];
  reg             valid_c;
  reg [NfWidth-1:0] nf_c;
  genvar p;
  generate
    for (p = 0; p < Pe; p = p + 1) begin : gen_pe
      wire [AccW-1:0] sum;
      qnn_pe #(.Kind(3), .Simd(Simd), .WBits(WBits), .XBits(XBits), .SumWidth(AccW))
        u_pe (.w_i(w_word[p*Simd*WBits +: Simd*WBits]), .x_i(x_b), .sum_o(sum));
      always @(posedge clk_i) begin
        if (en && valid_b) acc_q[p] <= (first_b ? {AccW{1'b0}} : acc_q[p]) + sum;
      end
    end
  endgenerate
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      valid_c <= 1'b0;
    end else if (en) begin
      valid_c <= valid_b && last_b;
    end
  end
  always @(posedge clk_i) begin
    if (en) nf_c <= nf_b;
  end

  wire [Pe*GPeBits-1:0] gthr_word;
  qnn_rom #(.Depth(Nf), .Width(Pe*GPeBits), .AddrWidth(NfWidth), .InitFile(GateThrFile), .Style(GateThrStyle))
    u_gthr (.clk_i(clk_i), .en_i(en), .addr_i(nf_b), .data_o(gthr_word));

  // Cell RAM: read at address nf_b (data at C), written at D.
  reg [U*CellBits-1:0] cell_mem [0:Nf-1];
  reg [U*CellBits-1:0] cell_rd_q;
  reg                  valid_d;
  reg [NfWidth-1:0]    nf_d;
  always @(posedge clk_i) begin
    if (en) cell_rd_q <= cell_mem[nf_b];
  end

  // ---- stage C: gate levels ---------------------------------------------
  reg [GateBits-1:0] glev_d [0:Pe-1];
  reg [CellBits-1:0] cprev_d [0:U-1];
  generate
    for (p = 0; p < Pe; p = p + 1) begin : gen_gate
      wire [GateBits-1:0] level;
      qnn_threshold #(.AccWidth(AccW), .AccSigned(1), .NumThr(NumThrG), .ThrWidth(GateThrWidth), .OutBits(GateBits))
        u_thr (.acc_i(acc_q[p]), .thr_i(gthr_word[p*GPeBits +: GPeBits]), .level_o(level));
      always @(posedge clk_i) begin
        if (en) glev_d[p] <= level;
      end
    end
  endgenerate
  genvar u;
  generate
    for (u = 0; u < U; u = u + 1) begin : gen_cprev
      always @(posedge clk_i) begin
        if (en) cprev_d[u] <= fresh_q ? {CellBits{1'b0}} : cell_rd_q[u*CellBits +: CellBits];
      end
    end
  endgenerate
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      valid_d <= 1'b0;
    end else if (en) begin
      valid_d <= valid_c;
    end
  end
  always @(posedge clk_i) begin
    if (en) nf_d <= nf_c;
  end

  // ---- stage D: cell update ---------------------------------------------
  // sext sign-extends a 32-bit integer parameter to BaseW bits (a loop, not
  // a concatenation, which Verilator 5.006 refuses for a parameter of 0).
  function [BaseW-1:0] sext;
    input [31:0] v;
    integer k;
    begin
      for (k = 0; k < BaseW; k = k + 1) sext[k] = v[(k < 32) ? k : 31];
    end
  endfunction
  localparam [BaseW-1:0] BaseIx = sext(BaseI);
  localparam [BaseW-1:0] BaseFx = sext(BaseF);
  localparam [BaseW-1:0] BaseGx = sext(BaseG);
  localparam [BaseW-1:0] BaseOx = sext(BaseO);
  localparam [BaseW-1:0] BaseTx = sext(BaseT);
  localparam signed [FcWidth-1:0] BaseFc  = BaseFx[FcWidth-1:0];
  localparam signed [IgWidth-1:0] BaseIg  = BaseIx[IgWidth-1:0];
  localparam signed [IgWidth-1:0] BaseGg  = BaseGx[IgWidth-1:0];
  localparam signed [OtWidth-1:0] BaseOo  = BaseOx[OtWidth-1:0];
  localparam signed [OtWidth-1:0] BaseTo  = BaseTx[OtWidth-1:0];
  localparam signed [FcWidth-1:0] FcOne   = 1;
  localparam signed [IgWidth-1:0] IgOne   = 1;
  localparam signed [CsW-1:0]     CsOne   = 1;
  localparam signed [FcWidth-1:0] RoundF  = (FShift == 0) ? {FcWidth{1'b0}} : (FcOne <<< (FShift == 0 ? 0 : FShift - 1));
  localparam signed [IgWidth-1:0] RoundIG = (IGShift == 0) ? {IgWidth{1'b0}} : (IgOne <<< (IGShift == 0 ? 0 : IGShift - 1));
  localparam signed [CsW-1:0]     CellMax = (CsOne <<< (CellBits - 1)) - CsOne;
  localparam signed [CsW-1:0]     CellMin = -(CsOne <<< (CellBits - 1));
  reg signed [CellBits-1:0] c_e [0:U-1];
  reg signed [OtWidth-1:0]  o_e [0:U-1];
  reg                       valid_e;
  reg [NfWidth-1:0]         nf_e;
  reg [U*CellBits-1:0]      cell_wr;
  generate
    for (u = 0; u < U; u = u + 1) begin : gen_cell
      wire signed [IgWidth-1:0] gi = BaseIg + $signed({{(IgWidth-GateBits){1'b0}}, glev_d[4*u]});
      wire signed [FcWidth-1:0] gf = BaseFc + $signed({{(FcWidth-GateBits){1'b0}}, glev_d[4*u+1]});
      wire signed [IgWidth-1:0] gg = BaseGg + $signed({{(IgWidth-GateBits){1'b0}}, glev_d[4*u+2]});
      wire signed [OtWidth-1:0] go = BaseOo + $signed({{(OtWidth-GateBits){1'b0}}, glev_d[4*u+3]});
      wire signed [FcWidth-1:0] cp = {{(FcWidth-CellBits){cprev_d[u][CellBits-1]}}, cprev_d[u]};
      wire signed [FcWidth-1:0] pf = gf * cp;
      wire signed [IgWidth-1:0] pi = gi * gg;
      wire signed [FcWidth-1:0] rf = (pf + RoundF) >>> FShift;
      wire signed [IgWidth-1:0] ri = (pi + RoundIG) >>> IGShift;
      wire signed [CsW-1:0]     cs = {{(CsW-FcWidth){rf[FcWidth-1]}}, rf} + {{(CsW-IgWidth){ri[IgWidth-1]}}, ri};
      wire signed [CsW-1:0]     cn = (cs > CellMax) ? CellMax : (cs < CellMin) ? CellMin : cs;
      wire unused_cell = ^cn[CsW-1:CellBits];
      always @(*) cell_wr[u*CellBits +: CellBits] = cn[CellBits-1:0];
      always @(posedge clk_i) begin
        if (en) begin
          c_e[u] <= cn[CellBits-1:0];
          o_e[u] <= go;
        end
      end
    end
  endgenerate
  always @(posedge clk_i) begin
    if (en && valid_d) cell_mem[nf_d] <= cell_wr;
  end
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      valid_e <= 1'b0;
    end else if (en) begin
      valid_e <= valid_d;
    end
  end
  always @(posedge clk_i) begin
    if (en) nf_e <= nf_d;
  end

  wire [U*TUBits-1:0] tthr_word;
  wire [U*HUBits-1:0] hthr_word;
  qnn_rom #(.Depth(Nf), .Width(U*TUBits), .AddrWidth(NfWidth), .InitFile(CellThrFile), .Style(CellThrStyle))
    u_tthr (.clk_i(clk_i), .en_i(en), .addr_i(nf_d), .data_o(tthr_word));
  qnn_rom #(.Depth(Nf), .Width(U*HUBits), .AddrWidth(NfWidth), .InitFile(HidThrFile), .Style(HidThrStyle))
    u_hthr (.clk_i(clk_i), .en_i(en), .addr_i(nf_d), .data_o(hthr_word));

  // ---- stage E: tanh of the cell, hidden level, output register ----------
  reg                 out_valid_q;
  reg [U*XBits-1:0]   out_data_q;
  wire [U*XBits-1:0]  hlev;
  generate
    for (u = 0; u < U; u = u + 1) begin : gen_hidden
      wire [CellActBits-1:0] tlev;
      qnn_threshold #(.AccWidth(CellBits), .AccSigned(1), .NumThr(NumThrT), .ThrWidth(CellThrWidth), .OutBits(CellActBits))
        u_t (.acc_i(c_e[u]), .thr_i(tthr_word[u*TUBits +: TUBits]), .level_o(tlev));
      wire signed [OtWidth-1:0] tv = BaseTo + $signed({{(OtWidth-CellActBits){1'b0}}, tlev});
      wire signed [OtWidth-1:0] prod = o_e[u] * tv;
      qnn_threshold #(.AccWidth(OtWidth), .AccSigned(1), .NumThr(NumThrH), .ThrWidth(HidThrWidth), .OutBits(XBits))
        u_h (.acc_i(prod), .thr_i(hthr_word[u*HUBits +: HUBits]), .level_o(hlev[u*XBits +: XBits]));
    end
  endgenerate

  assign last_beat_out = en && valid_e && nf_e == NfLast;
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      out_valid_q <= 1'b0;
    end else if (en) begin
      out_valid_q <= valid_e;
    end
  end
  always @(posedge clk_i) begin
    if (en) out_data_q <= hlev;
  end
  // The hidden levels of beat nf_e go to the next bank, units nf_e*U + u < H.
  integer k;
  always @(posedge clk_i) begin
    if (en && valid_e) begin
      for (k = 0; k < U; k = k + 1) begin
        if (nf_e * U + k < H) hbank_q[!hcur_q][(nf_e * U + k) * XBits +: XBits] <= hlev[k*XBits +: XBits];
      end
    end
  end

  assign out_valid_o = out_valid_q;
  assign out_data_o  = out_data_q;

endmodule
