"""What torch 2.13 has and deepgrad does not, each with the reason (test_api_audit.py).

Grouped by reason; a name that deepgrad gains must be deleted from here (the audit
fails on stale entries), and a torch name missing from deepgrad must be listed here.
"""


def _group(reason, names):
    return {name: reason for name in names.split()}


TORCH = {
    **_group("CUDA error classes: deepgrad raises RuntimeError (or CuPy's own errors)",
             'AcceleratorError OutOfMemoryError'),
    **_group('FFT/signal processing: not supported (no torch.fft in deepgrad)',
             'bartlett_window blackman_window fft hamming_window hann_window istft kaiser_window '
             'signal stft'),
    **_group('RPC futures: distributed internals',
             'futures'),
    **_group('TorchScript/fx/compile internals',
             'AVG AggregationType AliasDb AnyType Argument ArgumentSpec AwaitType BenchmarkConfig '
             'BenchmarkExecutionStats Block BoolType BufferDict CallStack Capsule ClassType Code '
             'CompilationUnit CompleteArgumentSpec ComplexType ConcreteModuleType '
             'ConcreteModuleTypeBuilder DeepCopyMemoTable DeserializationStorageContext DeviceObjType '
             'DictType DisableTorchFunction DisableTorchFunctionSubclass DispatchKey DispatchKeySet '
             'EnumType ErrorReport ExcludeDispatchKeyGuard ExecutionPlan FatalError FileCheck '
             'FloatType FunctionSchema Future FutureType Gradient Graph GraphExecutorState '
             'IODescriptor InferredType IntType InterfaceType JITException ListType LiteScriptModule '
             'LockingLogger LoggerBase ModuleDict Node NoneType NoopLogger NumberType OperatorInfo '
             'OptionalType PRIVATE_OPS ParameterDict PyObjectType PyTorchFileReader PyTorchFileWriter '
             'RRefType SUM ScriptClass ScriptClassFunction ScriptDict ScriptDictIterator '
             'ScriptDictKeyIterator ScriptFunction ScriptList ScriptListIterator ScriptMethod '
             'ScriptModule ScriptModuleSerializer ScriptObject ScriptObjectProperty '
             'SerializationStorageContext StaticModule StreamObjType StringType SymBool SymBoolType '
             'SymFloat SymInt SymIntType TYPE_CHECKING Tag TensorType ThroughputBenchmark TracingState '
             'TupleType Type USE_GLOBAL_DEPS USE_RTLD_GLOBAL_WITH_LIBTORCH UnionType Use Value classes '
             'classproperty compile compiled_with_cxx11_abi compiler cond cpp export fork fx '
             'get_file_path hash_tensor import_ir_module import_ir_module_from_buffer jit library '
             'merge_type_from_type_comment monitor nonzero_static overrides package parse_ir '
             'parse_schema parse_type_comment prepare_multiprocessing_environment '
             'profiler_allow_cudagraph_cupti_lazy_reinit_cuda12 segment_reduce slice_inverse '
             'sym_constrain_range sym_constrain_range_for_size sym_float sym_fresh_size sym_int '
             'sym_ite sym_max sym_min sym_not sym_sqrt sym_sum thread_safe_generator unify_type_list '
             'vmap wait while_loop'),
    **_group('autocast internals: use deepgrad.autocast',
             'autocast_decrement_nesting autocast_increment_nesting clear_autocast_cache '
             'get_autocast_cpu_dtype get_autocast_dtype get_autocast_gpu_dtype get_autocast_ipu_dtype '
             'get_autocast_xla_dtype is_autocast_cache_enabled is_autocast_cpu_enabled '
             'is_autocast_ipu_enabled is_autocast_xla_enabled set_autocast_cache_enabled '
             'set_autocast_cpu_dtype set_autocast_cpu_enabled set_autocast_dtype set_autocast_enabled '
             'set_autocast_gpu_dtype set_autocast_ipu_dtype set_autocast_ipu_enabled '
             'set_autocast_xla_dtype set_autocast_xla_enabled'),
    **_group('backend kernel entry point (cuDNN/MIOpen/oneDNN/ATen internals): use the public op',
             'adaptive_max_pool1d affine_grid_generator alpha_dropout_ batch_norm '
             'batch_norm_backward_elemt batch_norm_backward_reduce batch_norm_elemt '
             'batch_norm_gather_stats batch_norm_gather_stats_with_counts batch_norm_stats '
             'batch_norm_update_stats binary_cross_entropy_with_logits constant_pad_nd conv_tbc '
             'convolution cosine_embedding_loss cudnn_affine_grid_generator cudnn_batch_norm '
             'cudnn_convolution cudnn_convolution_add_relu cudnn_convolution_relu '
             'cudnn_convolution_transpose cudnn_grid_sampler cudnn_is_acceptable dropout_ embedding '
             'embedding_renorm_ feature_alpha_dropout_ feature_dropout feature_dropout_ frobenius_norm '
             'grid_sampler grid_sampler_2d grid_sampler_3d gru gru_cell hinge_embedding_loss '
             'init_num_threads instance_norm kl_div lstm lstm_cell margin_ranking_loss '
             'max_pool1d_with_indices miopen_batch_norm miopen_convolution miopen_convolution_add_relu '
             'miopen_convolution_relu miopen_convolution_transpose miopen_ctc_loss '
             'miopen_depthwise_convolution miopen_rnn mkldnn_adaptive_avg_pool2d mkldnn_convolution '
             'mkldnn_linear_backward_weights mkldnn_max_pool2d mkldnn_max_pool3d mkldnn_rnn_layer '
             'native_batch_norm native_dropout native_group_norm native_layer_norm native_norm '
             'norm_except_dim poisson_nll_loss rnn_relu rnn_relu_cell rnn_tanh rnn_tanh_cell rsub '
             'set_flush_denormal triplet_margin_loss'),
    **_group("complex dtypes: deepgrad's tensors are real",
             'angle cdouble cfloat chalf complex complex128 complex32 complex64 conj_physical '
             'conj_physical_ imag polar real view_as_complex view_as_complex_copy view_as_real '
             'view_as_real_copy'),
    **_group("deepgrad's (values, indices) results are namedtuples of its own",
             'return_types'),
    **_group('deprecated in torch (inclusive end): use arange',
             'range'),
    **_group('device kinds deepgrad does not have (XPU, IPU, MTIA, XLA, MPS, Maia, meta)',
             'is_vulkan_available mps mtia nested windows xpu'),
    **_group('device modules: use deepgrad.cuda / deepgrad.accelerator',
             'get_device_module'),
    **_group('distributed: a later issue',
             'is_distributed'),
    **_group('dtype NumPy cannot hold (bfloat16, float8, sub-byte, unsigned > 8 bits)',
             'bfloat16 bit bits16 bits1x8 bits2x4 bits4x2 bits8 float4_e2m1fn_x2 float8_e4m3fn '
             'float8_e4m3fnuz float8_e5m2 float8_e5m2fnuz float8_e8m0fnu int1 int2 int3 int4 int5 int6 '
             'int7 uint1 uint16 uint2 uint3 uint32 uint4 uint5 uint6 uint64 uint7'),
    **_group('functionalization copy variant: use the op (and .clone() if a copy is needed)',
             'alias_copy as_strided_copy detach_copy diagonal_copy expand_copy indices_copy '
             'narrow_copy permute_copy select_copy slice_copy split_copy split_with_sizes_copy '
             'squeeze_copy t_copy transpose_copy unbind_copy unfold_copy unsqueeze_copy view_copy'),
    **_group("legacy type strings ('torch.FloatTensor')",
             'typename'),
    **_group('legacy typed tensor/storage classes: use deepgrad.tensor(..., dtype=...)',
             'BFloat16Storage BFloat16Tensor BoolStorage BoolTensor ByteStorage ByteTensor CharStorage '
             'CharTensor ComplexDoubleStorage ComplexFloatStorage DoubleStorage DoubleTensor '
             'FloatStorage FloatTensor HalfStorage HalfTensor IntStorage IntTensor LongStorage '
             'LongTensor QInt32Storage QInt8Storage QUInt2x4Storage QUInt4x2Storage QUInt8Storage '
             'ShortStorage ShortTensor Storage StorageBase TypedStorage UntypedStorage is_storage '
             'storage'),
    **_group('linear algebra decompositions: not yet (a later deepgrad.linalg)',
             'chain_matmul cholesky cholesky_inverse cholesky_solve det eig geqrf inverse lobpcg '
             'logdet lstsq lu lu_solve lu_unpack matrix_exp matrix_power matrix_rank nuclear_norm '
             'orgqr ormqr pca_lowrank pinverse qr slogdet solve svd svd_lowrank symeig '
             'triangular_solve'),
    **_group('masked tensors: not supported',
             'masked'),
    **_group('memory layout (strides, formats, views by offset): being built by the layout work',
             'as_strided as_strided_ as_strided_scatter empty_permuted empty_strided '
             'legacy_contiguous_format resize_as_ set_default_tensor_type'),
    **_group('model hub: downloads torch checkpoints; not supported',
             'hub'),
    **_group('not yet: *_scatter (write into a view, out of place)',
             'diagonal_scatter select_scatter slice_scatter'),
    **_group('not yet: 3-D convolution/pooling (conv/pool kernels are the layout work)',
             'conv3d conv_transpose3d max_pool3d'),
    **_group('not yet: CTC loss',
             'ctc_loss'),
    **_group('not yet: DLPack interchange',
             'from_dlpack to_dlpack'),
    **_group('not yet: EmbeddingBag',
             'embedding_bag'),
    **_group('not yet: Sobol sequences',
             'quasirandom'),
    **_group('not yet: a default device (pass device= to creation functions)',
             'get_default_device set_default_device'),
    **_group('not yet: autograd anomaly mode',
             'is_anomaly_check_nan_enabled is_anomaly_enabled set_anomaly_enabled'),
    **_group('not yet: binomial and Poisson sampling',
             'binomial poisson'),
    **_group('not yet: device streams and events',
             'Event Stream'),
    **_group('not yet: functorch transforms (deepgrad.autograd.functional has jacobian/hessian/vjp/jvp)',
             'func'),
    **_group('not yet: histogram with bin edges (histc exists)',
             'histogramdd'),
    **_group('not yet: index_put (use x[indices] = values)',
             'index_put_'),
    **_group('not yet: index_reduce / scatter_reduce',
             'index_reduce'),
    **_group('not yet: numerical gradient of sampled data',
             'gradient'),
    **_group('not yet: print options (tensor_repr)',
             'set_printoptions'),
    **_group('not yet: profiler',
             'profiler'),
    **_group('not yet: querying inference mode',
             'is_inference_mode_enabled'),
    **_group('not yet: special functions (gamma family, Bessel, inverse erf) need series expansions',
             'digamma erfinv i0 i0_ igamma igammac lgamma mvlgamma polygamma'),
    **_group('not yet: strided views and memory formats (the memory-layout work in progress)',
             'layout strided'),
    **_group('not yet: tensors from raw files/buffers (use deepgrad.from_numpy(np.frombuffer(...)))',
             'frombuffer'),
    **_group('not yet: tensors from raw files/buffers (use deepgrad.from_numpy(np.fromfile(...)))',
             'from_file'),
    **_group('not yet: tensors in shared memory across processes',
             'multiprocessing'),
    **_group('quantization: not supported',
             'ao choose_qparams_optimized dequantize empty_quantized fake_quantize_per_channel_affine '
             'fake_quantize_per_tensor_affine fbgemm_linear_fp16_weight '
             'fbgemm_linear_fp16_weight_fp32_activation fbgemm_linear_int8_weight '
             'fbgemm_linear_int8_weight_fp32_activation fbgemm_linear_quantize_weight '
             'fbgemm_pack_gemm_matrix_fp16 fbgemm_pack_quantized_matrix '
             'fused_moving_avg_obs_fake_quant int_repr nanquantile per_channel_affine '
             'per_channel_affine_float_qparams per_channel_symmetric per_tensor_affine '
             'per_tensor_symmetric q_per_channel_axis q_per_channel_scales q_per_channel_zero_points '
             'q_scale q_zero_point qint32 qint8 qscheme quantization quantize_per_channel '
             'quantize_per_tensor quantize_per_tensor_dynamic quantized_batch_norm quantized_gru '
             'quantized_gru_cell quantized_lstm quantized_lstm_cell quantized_max_pool1d '
             'quantized_max_pool2d quantized_max_pool3d quantized_rnn_relu_cell '
             'quantized_rnn_tanh_cell quint2x4 quint4x2 quint8'),
    **_group('sparse tensors: deepgrad has dense tensors only',
             'ccol_indices_copy col_indices_copy crow_indices_copy dsmm hsmm hspmm jagged '
             'resize_as_sparse_ row_indices_copy saddmm smm sparse sparse_bsc sparse_bsc_tensor '
             'sparse_bsr sparse_bsr_tensor sparse_compressed_tensor sparse_coo sparse_coo_tensor '
             'sparse_csc sparse_csc_tensor sparse_csr sparse_csr_tensor spmm sspaddmm values_copy'),
    **_group('torch build flags (which libraries torch was compiled with)',
             'has_lapack has_mkl has_openmp has_spectral'),
    **_group("torch's reference to itself",
             'torch'),
    **_group("torch.cpu device module: deepgrad's CPU needs no stream or device management",
             'cpu'),
    **_group("torch.functional's functions are exported at deepgrad's top level",
             'functional'),
    **_group('typing helpers, not an API',
             'types'),
    **_group('use deepgrad.__version__',
             'torch_version version'),
    **_group('use numpy.testing / deepgrad.allclose',
             'testing'),
}

NN = {
    **_group('deprecated in torch (use Module)',
             'Container'),
    **_group('distributed: a later issue',
             'SyncBatchNorm'),
    **_group('internal helper, not an API',
             'factory_kwargs'),
    **_group('legacy Lua-torch layer (LocalResponseNorm exists)',
             'CrossMapLRN2d'),
    **_group('not yet: 3-D convolution/pooling (conv/pool kernels are the layout work)',
             'AdaptiveAvgPool3d AdaptiveMaxPool3d AvgPool3d Conv3d ConvTranspose3d MaxPool3d'),
    **_group('not yet: CTC loss',
             'CTCLoss'),
    **_group('not yet: Fold/Unfold (im2col as a layer)',
             'Fold Unfold'),
    **_group('not yet: adaptive softmax',
             'AdaptiveLogSoftmaxWithLoss'),
    **_group('not yet: chunked linear + cross-entropy',
             'LinearCrossEntropyLoss LinearCrossEntropyOptions'),
    **_group('not yet: fractional/LP pooling and unpooling',
             'FractionalMaxPool2d FractionalMaxPool3d LPPool3d MaxUnpool3d'),
    **_group('not yet: lazy shape inference',
             'LazyBatchNorm1d LazyBatchNorm2d LazyBatchNorm3d LazyConv1d LazyConv2d LazyConv3d '
             'LazyConvTranspose1d LazyConvTranspose2d LazyConvTranspose3d LazyInstanceNorm1d '
             'LazyInstanceNorm2d LazyInstanceNorm3d LazyLinear UninitializedBuffer '
             'UninitializedParameter'),
    **_group('not yet: torch.nn.grad (conv gradient helpers)',
             'grad'),
    **_group('quantization: not supported',
             'intrinsic qat quantizable quantized'),
    **_group('torch.nn.attention (SDPA backend selection): being built with attention',
             'attention'),
    **_group('typing helpers, not an API',
             'common_types'),
}

FUNCTIONAL = {
    **_group('__torch_function__ protocol: deepgrad has no tensor subclass dispatch',
             'handle_torch_function has_torch_function has_torch_function_unary '
             'has_torch_function_variadic'),
    **_group('backend kernel entry point (cuDNN/MIOpen/oneDNN/ATen internals): use the public op',
             'conv_tbc'),
    **_group('low-precision grouped/scaled GEMMs for accelerators',
             'grouped_mm scaled_grouped_mm scaled_mm'),
    **_group('not yet: 3-D convolution/pooling (conv/pool kernels are the layout work)',
             'adaptive_avg_pool3d adaptive_max_pool3d adaptive_max_pool3d_with_indices avg_pool3d '
             'conv3d conv_transpose3d max_pool3d max_pool3d_with_indices'),
    **_group('not yet: CTC loss',
             'ctc_loss'),
    **_group('not yet: Fold/Unfold (im2col as a layer)',
             'fold unfold'),
    **_group('not yet: chunked linear + cross-entropy',
             'linear_cross_entropy'),
    **_group('not yet: fractional/LP pooling and unpooling',
             'fractional_max_pool2d fractional_max_pool2d_with_indices fractional_max_pool3d '
             'fractional_max_pool3d_with_indices lp_pool3d max_unpool3d'),
    **_group('not yet: separate *_with_indices entry points (use return_indices=True)',
             'adaptive_max_pool1d_with_indices adaptive_max_pool2d_with_indices '
             'max_pool1d_with_indices max_pool2d_with_indices'),
    **_group('not yet: spatial transformers (affine_grid, grid_sample)',
             'affine_grid grid_sample'),
    **_group('not yet: torch.nn.grad (conv gradient helpers)',
             'grad'),
    **_group("typing/doc helper in torch's module namespace, not an API",
             'BroadcastingList1 BroadcastingList2 BroadcastingList3 Callable DType '
             'GRID_SAMPLE_INTERPOLATION_MODES GRID_SAMPLE_PADDING_MODES Optional ScalingType '
             'SwizzleType TYPE_CHECKING Tensor assert_int_or_pair boolean_dispatch '
             'reproducibility_notes sparse_support_notes tf32_notes torch'),
}

TENSOR = {
    **_group('FFT/signal processing: not supported (no torch.fft in deepgrad)',
             'istft stft'),
    **_group('Python 2 operator name (Python 3 uses __truediv__, __int__, __bool__)',
             '__div__ __idiv__ __long__ __nonzero__ __rdiv__'),
    **_group('TorchScript/fx/compile internals',
             '__array_wrap__ __cuda_array_interface__ __dlpack__ __dlpack_c_exchange_api__ '
             '__dlpack_device__ __setstate__ __torch_dispatch__ __torch_function__ as_subclass '
             'dim_order grad_dtype hash_tensor module_load name nonzero_static output_nr reinforce '
             'slice_inverse volatile'),
    **_group('backend kernel entry point (cuDNN/MIOpen/oneDNN/ATen internals): use the public op',
             'is_mkldnn to_mkldnn'),
    **_group("complex dtypes: deepgrad's tensors are real",
             '__complex__ angle cdouble cfloat chalf conj_physical conj_physical_ imag real'),
    **_group('device kinds deepgrad does not have (XPU, IPU, MTIA, XLA, MPS, Maia, meta)',
             'ipu is_ipu is_maia is_meta is_mtia is_nested is_vulkan is_xla mtia xpu'),
    **_group('distributed: a later issue',
             'is_distributed'),
    **_group('dtype NumPy cannot hold (bfloat16, float8, sub-byte, unsigned > 8 bits)',
             'bfloat16'),
    **_group('functionalization copy variant: use the op (and .clone() if a copy is needed)',
             'narrow_copy'),
    **_group('internal indexing entry point (use x[idx])',
             'index'),
    **_group('legacy constructor (use new_empty/new_tensor)',
             'new'),
    **_group('legacy typed tensor/storage classes: use deepgrad.tensor(..., dtype=...)',
             'is_set_to is_shared set_ share_memory_ storage storage_type untyped_storage'),
    **_group('linear algebra decompositions: not yet (a later deepgrad.linalg)',
             'cholesky cholesky_inverse cholesky_solve det eig geqrf inverse logdet lstsq lu lu_solve '
             'matrix_exp matrix_power orgqr ormqr pinverse qr slogdet solve svd symeig '
             'triangular_solve'),
    **_group('memory layout (strides, formats, views by offset): being built by the layout work',
             'as_strided as_strided_ as_strided_scatter new_empty_strided resize resize_ resize_as '
             'resize_as_ squeeze_ swapaxes_ swapdims_ t_ transpose_ unfold unsqueeze_'),
    **_group('not yet: *_scatter (write into a view, out of place)',
             'diagonal_scatter select_scatter slice_scatter'),
    **_group('not yet: index_reduce / scatter_reduce',
             'index_reduce index_reduce_'),
    **_group('not yet: map2_',
             'map2_'),
    **_group('not yet: pinned host memory and CUDA streams',
             'record_stream'),
    **_group('not yet: special functions (gamma family, Bessel, inverse erf) need series expansions',
             'digamma digamma_ erfinv erfinv_ i0 i0_ igamma igamma_ igammac igammac_ lgamma lgamma_ '
             'mvlgamma mvlgamma_ polygamma polygamma_'),
    **_group('not yet: strided views and memory formats (the memory-layout work in progress)',
             'layout'),
    **_group('quantization: not supported',
             'dequantize int_repr is_quantized nanquantile q_per_channel_axis q_per_channel_scales '
             'q_per_channel_zero_points q_scale q_zero_point qscheme'),
    **_group('sparse tensors: deepgrad has dense tensors only',
             'ccol_indices coalesce col_indices crow_indices dense_dim indices is_coalesced is_sparse '
             'is_sparse_csr resize_as_sparse_ row_indices smm sparse_dim sparse_mask sparse_resize_ '
             'sparse_resize_and_clear_ sspaddmm to_dense to_padded_tensor to_sparse to_sparse_bsc '
             'to_sparse_bsr to_sparse_coo to_sparse_csc to_sparse_csr values'),
    **_group('torch defines it only to raise (deleting elements is not supported)',
             '__delitem__'),
}
